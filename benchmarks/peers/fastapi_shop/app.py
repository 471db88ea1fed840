"""The shop's order service as a FastAPI + PostgreSQL team writes it.

orderly-bench's fastapi-postgres peer: FastAPI on uvicorn (uvloop,
httptools), asyncpg with a pool per worker, PyJWT. Same paths and status
codes as Orderly's API, so the same wrk scripts drive both.

Configuration from the environment:
  SHOP_DATABASE_URL  postgresql://user@host:port/db
  SHOP_JWT_SECRET    the HS256 secret the tokens are signed with
  SHOP_POOL_SIZE     connections in each worker's pool (default 16)
  SHOP_READY_DIR     when set, each worker writes a file named by its PID
                     here once its pool is open
"""

import datetime
import json
import os
import uuid
from typing import Optional

import asyncpg
import jwt
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, conint, conlist

DATABASE_URL = os.environ["SHOP_DATABASE_URL"]
JWT_SECRET = os.environ["SHOP_JWT_SECRET"]
POOL_SIZE = int(os.environ.get("SHOP_POOL_SIZE", "16"))

app = FastAPI(title="shop")
bearer = HTTPBearer(auto_error=False)


class Problem(Exception):
    """An RFC 9457 problem answer; raised inside a transaction, it rolls back."""

    def __init__(self, status, code, title, detail="", errors=None):
        super().__init__(detail or title)
        self.status, self.code, self.title = status, code, title
        self.detail, self.errors = detail, errors or []


@app.exception_handler(Problem)
async def problem_handler(request: Request, exc: Problem):
    body = {"type": "about:blank", "title": exc.title, "status": exc.status,
            "code": exc.code, "detail": exc.detail}
    if exc.errors:
        body["errors"] = exc.errors
    return JSONResponse(body, status_code=exc.status, media_type="application/problem+json")


@app.exception_handler(RequestValidationError)
async def validation_handler(request: Request, exc: RequestValidationError):
    errors = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]}
              for e in exc.errors()]
    return await problem_handler(request, Problem(422, "validation_failed", "Invalid request",
                                                  errors=errors))


@app.on_event("startup")
async def open_pool():
    # jit off: asyncpg 0.27 introspects a type on its first use per
    # connection, and PostgreSQL's JIT makes that query take a second
    # (asyncpg's maintainers' advice; 0.29 turns it off for those queries).
    app.state.pool = await asyncpg.create_pool(DATABASE_URL, min_size=POOL_SIZE,
                                               max_size=POOL_SIZE,
                                               server_settings={"jit": "off"})
    ready = os.environ.get("SHOP_READY_DIR")
    if ready:
        with open(os.path.join(ready, str(os.getpid())), "w"):
            pass


@app.on_event("shutdown")
async def close_pool():
    await app.state.pool.close()


async def db(request: Request):
    async with request.app.state.pool.acquire() as conn:
        yield conn


async def current_user(credentials: Optional[HTTPAuthorizationCredentials] = Depends(bearer),
                       conn: asyncpg.Connection = Depends(db)):
    """The signed-in user: a valid HS256 token naming an active account."""
    if credentials is None:
        raise Problem(401, "unauthorized", "Authentication required")
    try:
        claims = jwt.decode(credentials.credentials, JWT_SECRET, algorithms=["HS256"])
        user_id = uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        raise Problem(401, "unauthorized", "Invalid or expired token")
    user = await conn.fetchrow("SELECT id, role FROM users WHERE id = $1 AND is_active", user_id)
    if user is None:
        raise Problem(401, "unauthorized", "Unknown or deactivated account")
    return user


def product_json(row):
    return {"id": row["id"], "sku": row["sku"], "name": row["name"],
            "description": row["description"], "price_cents": row["price_cents"],
            "currency": row["currency"], "category": row["category"], "stock": row["stock"],
            "reserved": row["reserved"], "available": row["stock"] - row["reserved"],
            "status": row["status"], "created_at": row["created_at"],
            "updated_at": row["updated_at"]}


def order_json(order, lines):
    return {"id": order["id"], "user_id": order["user_id"], "status": order["status"],
            "items": [{"product_id": l["product_id"], "name": l["name"],
                       "unit_price_cents": l["unit_price_cents"], "quantity": l["quantity"],
                       "line_total_cents": l["line_total_cents"]} for l in lines],
            "total_cents": order["total_cents"], "created_at": order["created_at"],
            "updated_at": order["updated_at"]}


@app.get("/health")
async def health():
    return {"status": "ok", "service": "shop",
            "time": datetime.datetime.now(datetime.timezone.utc).isoformat()}


@app.get("/api/products/{product_id}")
async def get_product(product_id: uuid.UUID, conn: asyncpg.Connection = Depends(db)):
    row = await conn.fetchrow("SELECT * FROM products WHERE id = $1", product_id)
    if row is None:
        raise Problem(404, "not_found", "No such product")
    return {"product": product_json(row)}


@app.get("/api/products")
async def list_products(q: Optional[str] = None, page: int = Query(1, ge=1),
                        per_page: int = Query(20, ge=1, le=100),
                        conn: asyncpg.Connection = Depends(db)):
    words = (q or "").split()[:5]
    where = " AND ".join(f"name ILIKE ${i + 1}" for i in range(len(words))) or "true"
    args = [f"%{w}%" for w in words]
    rows = await conn.fetch(
        f"SELECT *, count(*) OVER () AS total FROM products WHERE status = 'active' AND {where} "
        f"ORDER BY name LIMIT {per_page} OFFSET {(page - 1) * per_page}", *args)
    return {"items": [product_json(r) for r in rows], "page": page, "per_page": per_page,
            "total": rows[0]["total"] if rows else 0}


class OrderItem(BaseModel):
    product_id: uuid.UUID
    quantity: conint(gt=0, le=1000)


class OrderIn(BaseModel):
    items: conlist(OrderItem, min_items=1, max_items=50)
    shipping_address: Optional[dict] = None


@app.post("/api/orders", status_code=201)
async def place_order(body: OrderIn, user=Depends(current_user),
                      conn: asyncpg.Connection = Depends(db)):
    """Reserves every line's stock or none: the product rows locked in id
    order (two orders never wait on each other in a cycle), then the order,
    its lines and an outbox event, in one transaction."""
    wanted = {}
    for item in body.items:
        wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
    ids = sorted(wanted)
    async with conn.transaction():
        rows = await conn.fetch(
            "SELECT id, name, price_cents, stock - reserved AS available FROM products "
            "WHERE id = ANY($1::uuid[]) AND status = 'active' ORDER BY id FOR UPDATE", ids)
        found = {r["id"]: r for r in rows}
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise Problem(422, "validation_failed", "Unknown products",
                          errors=[{"field": "items", "message": f"no product {m}"}
                                  for m in missing])
        short = [{"field": f"items[{n}].quantity",
                  "message": f"only {found[i.product_id]['available']} available"}
                 for n, i in enumerate(body.items)
                 if found[i.product_id]["available"] < wanted[i.product_id]]
        if short:
            raise Problem(409, "insufficient_stock", "Not enough stock",
                          detail="Some lines cannot be reserved", errors=short)
        await conn.execute(
            "UPDATE products p SET reserved = p.reserved + l.q, updated_at = now() "
            "FROM unnest($1::uuid[], $2::bigint[]) AS l(id, q) WHERE p.id = l.id",
            ids, [wanted[i] for i in ids])
        order_id = uuid.uuid4()
        lines = [(order_id, n + 1, i.product_id, found[i.product_id]["name"],
                  found[i.product_id]["price_cents"], i.quantity,
                  found[i.product_id]["price_cents"] * i.quantity)
                 for n, i in enumerate(body.items)]
        total = sum(line[6] for line in lines)
        order = await conn.fetchrow(
            "INSERT INTO orders (id, user_id, total_cents, shipping_address) "
            "VALUES ($1, $2, $3, $4::jsonb) RETURNING *",
            order_id, user["id"], total,
            json.dumps(body.shipping_address) if body.shipping_address else None)
        await conn.executemany(
            "INSERT INTO order_lines (order_id, line_no, product_id, name, unit_price_cents, "
            "quantity, line_total_cents) VALUES ($1, $2, $3, $4, $5, $6, $7)", lines)
        line_rows = [{"product_id": l[2], "name": l[3], "unit_price_cents": l[4],
                      "quantity": l[5], "line_total_cents": l[6]} for l in lines]
        result = order_json(order, line_rows)
        await conn.execute(
            "INSERT INTO outbox (aggregate_id, type, payload) VALUES ($1, 'order.created', $2)",
            order_id, json.dumps({"order_id": str(order_id), "user_id": str(user["id"]),
                                  "total_cents": total}))
    return {"order": result}


@app.get("/api/orders")
async def list_orders(status: Optional[str] = None, page: int = Query(1, ge=1),
                      per_page: int = Query(20, ge=1, le=100), user=Depends(current_user),
                      conn: asyncpg.Connection = Depends(db)):
    """The caller's orders, newest first, with their lines."""
    args = [user["id"]]
    where = "user_id = $1"
    if status:
        args.append(status)
        where += " AND status = $2"
    orders = await conn.fetch(
        f"SELECT *, count(*) OVER () AS total FROM orders WHERE {where} "
        f"ORDER BY created_at DESC LIMIT {per_page} OFFSET {(page - 1) * per_page}", *args)
    lines = await conn.fetch(
        "SELECT * FROM order_lines WHERE order_id = ANY($1::uuid[]) ORDER BY order_id, line_no",
        [o["id"] for o in orders])
    by_order = {}
    for line in lines:
        by_order.setdefault(line["order_id"], []).append(line)
    return {"items": [order_json(o, by_order.get(o["id"], [])) for o in orders], "page": page,
            "per_page": per_page, "total": orders[0]["total"] if orders else 0}
