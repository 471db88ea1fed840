-- The shop's tables, as a FastAPI + PostgreSQL service would have them.
-- Loaded by orderly-bench into a fresh PostgreSQL before the app starts.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE,
  email text NOT NULL UNIQUE,
  role text NOT NULL DEFAULT 'customer',
  is_active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE products (
  id uuid PRIMARY KEY,
  sku text NOT NULL UNIQUE,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  category text NOT NULL,
  price_cents bigint NOT NULL CHECK (price_cents >= 0),
  currency text NOT NULL DEFAULT 'USD',
  stock bigint NOT NULL CHECK (stock >= 0),
  reserved bigint NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (reserved >= 0 AND reserved <= stock));
-- Catalog search by name (ILIKE '%word%').
CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);

CREATE TABLE orders (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  status text NOT NULL DEFAULT 'pending',
  total_cents bigint NOT NULL,
  currency text NOT NULL DEFAULT 'USD',
  shipping_address jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now());
-- A customer's orders, newest first.
CREATE INDEX orders_user_created ON orders (user_id, created_at DESC);

CREATE TABLE order_lines (
  order_id uuid NOT NULL REFERENCES orders (id),
  line_no int NOT NULL,
  product_id uuid NOT NULL REFERENCES products (id),
  name text NOT NULL,
  unit_price_cents bigint NOT NULL,
  quantity bigint NOT NULL CHECK (quantity > 0),
  line_total_cents bigint NOT NULL,
  PRIMARY KEY (order_id, line_no));
CREATE INDEX order_lines_product ON order_lines (product_id);

-- The transactional outbox: a relay (not part of the benchmark) would
-- publish these and set published_at.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  aggregate_id uuid NOT NULL,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz);
