#include "commands/product.h"

#include "commands/validation.h"
#include "core/schemas/product_events_generated.h"
#include "core/text.h"

namespace orderly::commands {

namespace {

Status require_admin(const CommandMeta& meta) {
  if (meta.role == Role::kAdmin || meta.role == Role::kEngine)
    return Status::ok();
  return Status::forbidden("only admins manage the catalog");
}

Status require_product(const ProductState* p, const Uuid& id) {
  if (p == nullptr)
    return Status::not_found("product " + id.to_string() + " does not exist");
  return Status::ok();
}

Status require_currency(std::string_view c) {
  if (!is_currency_code(c)) {
    return Status::invalid_field("currency", "must be a three-letter ISO 4217 code such as USD");
  }
  return Status::ok();
}

// Stock may never drop below what is already promised to pending orders.
Status check_new_stock(const ProductState& p, int64_t stock) {
  ORDERLY_RETURN_IF_ERROR(require_range("stock", stock, 0, kMaxStock));
  if (stock < p.reserved) {
    return Status::invalid_field("stock", "cannot go below the " + std::to_string(p.reserved) +
                                              " units reserved by pending orders");
  }
  return Status::ok();
}

void emit_stock_changed(EventSink& out, const Uuid& id, int64_t stock, int64_t delta) {
  out.emit(Aggregate::kProduct, id, EventType::kStockChanged,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateStockChanged(b, b.CreateString(id.to_string()), stock, delta);
           });
}

}  // namespace

Status decide_create_product(const ProductState* existing, bool sku_taken,
                             std::string_view shop_currency, const CreateProduct& c,
                             const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  if (existing != nullptr)
    return Status::already_exists("product " + c.product_id.to_string() + " exists");
  ORDERLY_RETURN_IF_ERROR(require_text("name", c.name, 1, kMaxProductNameBytes));
  ORDERLY_RETURN_IF_ERROR(
      require_text("description", c.description, 0, kMaxProductDescriptionBytes));
  ORDERLY_RETURN_IF_ERROR(require_text("category", c.category, 1, kMaxProductCategoryBytes));
  ORDERLY_RETURN_IF_ERROR(require_text("sku", c.sku, 1, kMaxSkuBytes));
  const std::string_view currency = c.currency.empty() ? shop_currency : c.currency;
  ORDERLY_RETURN_IF_ERROR(require_currency(currency));
  if (currency != shop_currency) {
    return Status::invalid_field(
        "currency", "must be " + std::string(shop_currency) + ": this shop sells in one currency");
  }
  ORDERLY_RETURN_IF_ERROR(require_range("price_cents", c.price_cents, 0, kMaxPriceCents));
  ORDERLY_RETURN_IF_ERROR(require_range("stock", c.stock, 0, kMaxStock));
  if (sku_taken) {
    return {ErrorCode::kAlreadyExists,
            "sku " + c.sku + " is taken",
            {{"sku", "is already used by another product"}}};
  }
  out.emit(Aggregate::kProduct, c.product_id, EventType::kProductCreated,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateProductCreatedDirect(
                 b, c.product_id.to_string().c_str(), c.sku.c_str(), c.name.c_str(),
                 c.description.c_str(), c.price_cents, std::string(currency).c_str(),
                 c.category.c_str(), c.stock);
           });
  return Status::ok();
}

Status decide_update_product(const ProductState* p, const UpdateProduct& c, const CommandMeta& meta,
                             EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_product(p, c.product_id));
  if (c.name)
    ORDERLY_RETURN_IF_ERROR(require_text("name", *c.name, 1, kMaxProductNameBytes));
  if (c.description)
    ORDERLY_RETURN_IF_ERROR(
        require_text("description", *c.description, 0, kMaxProductDescriptionBytes));
  if (c.category)
    ORDERLY_RETURN_IF_ERROR(require_text("category", *c.category, 1, kMaxProductCategoryBytes));
  if (c.price_cents)
    ORDERLY_RETURN_IF_ERROR(require_range("price_cents", *c.price_cents, 0, kMaxPriceCents));
  if (!c.name && !c.description && !c.category && !c.price_cents) {
    return Status::invalid_field("body", "names none of name, description, price_cents, category");
  }
  if (c.name || c.description || c.category) {
    out.emit(Aggregate::kProduct, c.product_id, EventType::kProductUpdated,
             [&](flatbuffers::FlatBufferBuilder& b) {
               auto id = b.CreateString(c.product_id.to_string());
               auto name = c.name ? b.CreateString(*c.name) : 0;
               auto desc = c.description ? b.CreateString(*c.description) : 0;
               auto cat = c.category ? b.CreateString(*c.category) : 0;
               return events::CreateProductUpdated(b, id, name, desc, cat);
             });
  }
  if (c.price_cents && *c.price_cents != p->price_cents) {
    out.emit(Aggregate::kProduct, c.product_id, EventType::kProductPriceChanged,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateProductPriceChanged(b, b.CreateString(c.product_id.to_string()),
                                                        *c.price_cents);
             });
  }
  return Status::ok();
}

Status decide_discontinue_product(const ProductState* p, const DiscontinueProduct& c,
                                  const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_product(p, c.product_id));
  if (p->discontinued) {
    return Status::invalid_transition(
        "product " + c.product_id.to_string() +
        " is already discontinued (from discontinued to discontinued)");
  }
  out.emit(Aggregate::kProduct, c.product_id, EventType::kProductDiscontinued,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateProductDiscontinued(b, b.CreateString(c.product_id.to_string()));
           });
  return Status::ok();
}

Status decide_set_stock(const ProductState* p, const SetStock& c, const CommandMeta& meta,
                        EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_product(p, c.product_id));
  ORDERLY_RETURN_IF_ERROR(check_new_stock(*p, c.stock));
  emit_stock_changed(out, c.product_id, c.stock, c.stock - p->stock);
  return Status::ok();
}

Status decide_adjust_stock(const ProductState* p, const AdjustStock& c, const CommandMeta& meta,
                           EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_product(p, c.product_id));
  ORDERLY_RETURN_IF_ERROR(require_range("delta", c.delta, -kMaxStock, kMaxStock));
  if (c.delta == 0)
    return Status::invalid_field("delta", "must not be 0");
  const int64_t stock = p->stock + c.delta;  // both bounded by kMaxStock: no overflow
  if (stock < 0) {
    return Status::invalid_field(
        "delta", "would take stock below 0 (it is " + std::to_string(p->stock) + ")");
  }
  ORDERLY_RETURN_IF_ERROR(check_new_stock(*p, stock));
  emit_stock_changed(out, c.product_id, stock, c.delta);
  return Status::ok();
}

Status check_reservable(const ProductState* p, int64_t quantity) {
  if (p == nullptr)
    return Status::not_found("does not exist");
  if (p->discontinued)
    return Status::invalid_argument("is discontinued and can no longer be ordered");
  if (quantity > p->available()) {
    return {ErrorCode::kInsufficientStock, "only " + std::to_string(p->available()) + " available"};
  }
  return Status::ok();
}

void evolve(ProductState& p, const events::ProductCreated& e) {
  p.name = e.name() ? e.name()->str() : "";
  p.sku = e.sku() ? e.sku()->str() : "";
  p.currency = e.currency() ? e.currency()->str() : "";
  p.price_cents = e.price_cents();
  p.stock = e.stock();
  p.reserved = 0;
  p.discontinued = false;
}

void evolve(ProductState& p, const events::ProductUpdated& e) {
  if (e.name())
    p.name = e.name()->str();
}

void evolve(ProductState& p, const events::ProductPriceChanged& e) {
  p.price_cents = e.price_cents();
}
void evolve_discontinued(ProductState& p) {
  p.discontinued = true;
}
void evolve(ProductState& p, const events::StockChanged& e) {
  p.stock = e.stock();
}

void reserve(ProductState& p, int64_t quantity) {
  p.reserved += quantity;
}
void release(ProductState& p, int64_t quantity) {
  p.reserved -= quantity;
}
void commit_reservation(ProductState& p, int64_t quantity) {
  p.reserved -= quantity;
  p.stock -= quantity;
}
void restock(ProductState& p, int64_t quantity) {
  p.stock += quantity;
}

}  // namespace orderly::commands
