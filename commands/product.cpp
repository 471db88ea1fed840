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
                             std::string_view shop_currency, const Categories& categories,
                             const CreateProduct& c, const CommandMeta& meta, EventSink& out) {
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
  auto category = resolve_product_category(categories, c.category);
  if (!category)
    return category.status();
  out.emit(Aggregate::kProduct, c.product_id, EventType::kProductCreated,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateProductCreatedDirect(
                 b, c.product_id.to_string().c_str(), c.sku.c_str(), c.name.c_str(),
                 c.description.c_str(), c.price_cents, std::string(currency).c_str(),
                 category->name.c_str(), c.stock, category->slug.c_str());
           });
  if (category->is_new)
    emit_category_created(*category, out);
  return Status::ok();
}

Status decide_update_product(const ProductState* p, const Categories& categories,
                             const UpdateProduct& c, const CommandMeta& meta, EventSink& out) {
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
  std::optional<CategoryRef> category;  // a new one: its CategoryCreated follows
  if (c.category) {
    auto ref = resolve_product_category(categories, *c.category);
    if (!ref)
      return ref.status();
    category = std::move(*ref);
  }
  if (c.name || c.description || category) {
    out.emit(Aggregate::kProduct, c.product_id, EventType::kProductUpdated,
             [&](flatbuffers::FlatBufferBuilder& b) {
               auto id = b.CreateString(c.product_id.to_string());
               auto name = c.name ? b.CreateString(*c.name) : 0;
               auto desc = c.description ? b.CreateString(*c.description) : 0;
               auto cat = category ? b.CreateString(category->name) : 0;
               auto slug = category ? b.CreateString(category->slug) : 0;
               return events::CreateProductUpdated(b, id, name, desc, cat, slug);
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

namespace {

const ProductImageRef* find_image(const ProductState& p, const Uuid& id) {
  for (const auto& i : p.images) {
    if (i.id == id)
      return &i;
  }
  return nullptr;
}

Status require_image(const ProductState& p, const Uuid& product, const Uuid& image) {
  if (find_image(p, image) == nullptr) {
    return Status::not_found("product " + product.to_string() + " has no image " +
                             image.to_string());
  }
  return Status::ok();
}

bool is_lower_hex64(std::string_view s) {
  if (s.size() != 64)
    return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  }
  return true;
}

// The files come from the API's image pipeline; checked anyway, so that a
// recorded event always names files the store can hold.
Status check_file(std::string_view field, const ImageFileRef& f, bool webp_only) {
  const bool ext_ok =
      webp_only ? f.ext == "webp" : (f.ext == "jpg" || f.ext == "png" || f.ext == "webp");
  if (!is_lower_hex64(f.hash) || !ext_ok || f.bytes <= 0)
    return Status::invalid_field(std::string(field), "is not a stored image file");
  return Status::ok();
}

flatbuffers::Offset<events::ImageFile> image_file(flatbuffers::FlatBufferBuilder& b,
                                                  const ImageFileRef& f) {
  return events::CreateImageFileDirect(b, f.hash.c_str(), f.ext.c_str(), f.bytes);
}

}  // namespace

Status decide_add_product_image(const ProductState* p, const AddProductImage& c,
                                const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_product(p, c.product_id));
  ORDERLY_RETURN_IF_ERROR(require_text("alt", c.alt, 0, kMaxImageAltBytes));
  ORDERLY_RETURN_IF_ERROR(check_file("original", c.original, false));
  ORDERLY_RETURN_IF_ERROR(check_file("thumb", c.thumb, true));
  ORDERLY_RETURN_IF_ERROR(check_file("medium", c.medium, true));
  ORDERLY_RETURN_IF_ERROR(require_range("width", c.width, 1, kMaxImageSide));
  ORDERLY_RETURN_IF_ERROR(require_range("height", c.height, 1, kMaxImageSide));
  if (find_image(*p, c.image_id) != nullptr)
    return Status::already_exists("image " + c.image_id.to_string() + " exists");
  for (const auto& i : p->images) {
    if (i.original_hash == c.original.hash) {
      return {ErrorCode::kAlreadyExists,
              "product " + c.product_id.to_string() + " already has this image",
              {{"image", "is the same picture as image " + i.id.to_string()}}};
    }
  }
  if (p->images.size() >= kMaxProductImages) {
    return Status::invalid_field(
        "image", "a product has at most " + std::to_string(kMaxProductImages) + " images");
  }
  out.emit(Aggregate::kProduct, c.product_id, EventType::kProductImageAdded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             auto pid = b.CreateString(c.product_id.to_string());
             auto iid = b.CreateString(c.image_id.to_string());
             auto original = image_file(b, c.original);
             auto thumb = image_file(b, c.thumb);
             auto medium = image_file(b, c.medium);
             auto alt = b.CreateString(c.alt);
             return events::CreateProductImageAdded(b, pid, iid, original, thumb, medium, c.width,
                                                    c.height, alt);
           });
  return Status::ok();
}

Status decide_change_product_image(const ProductState* p, const ChangeProductImage& c,
                                   const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_product(p, c.product_id));
  ORDERLY_RETURN_IF_ERROR(require_image(*p, c.product_id, c.image_id));
  if (!c.alt && !c.position)
    return Status::invalid_field("body", "names neither alt nor position");
  if (c.alt)
    ORDERLY_RETURN_IF_ERROR(require_text("alt", *c.alt, 0, kMaxImageAltBytes));
  if (c.position) {
    ORDERLY_RETURN_IF_ERROR(
        require_range("position", *c.position, 0, static_cast<int64_t>(p->images.size()) - 1));
  }
  if (c.alt) {
    out.emit(Aggregate::kProduct, c.product_id, EventType::kProductImageChanged,
             [&](flatbuffers::FlatBufferBuilder& b) {
               return events::CreateProductImageChangedDirect(b, c.product_id.to_string().c_str(),
                                                              c.image_id.to_string().c_str(),
                                                              c.alt->c_str());
             });
  }
  if (c.position) {
    std::vector<Uuid> order;
    order.reserve(p->images.size());
    for (const auto& i : p->images) {
      if (i.id != c.image_id)
        order.push_back(i.id);
    }
    order.insert(order.begin() + *c.position, c.image_id);
    out.emit(Aggregate::kProduct, c.product_id, EventType::kProductImagesReordered,
             [&](flatbuffers::FlatBufferBuilder& b) {
               std::vector<flatbuffers::Offset<flatbuffers::String>> ids;
               ids.reserve(order.size());
               for (const Uuid& id : order)
                 ids.push_back(b.CreateString(id.to_string()));
               auto pid = b.CreateString(c.product_id.to_string());
               return events::CreateProductImagesReordered(b, pid, b.CreateVector(ids));
             });
  }
  return Status::ok();
}

Status decide_remove_product_image(const ProductState* p, const RemoveProductImage& c,
                                   const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_product(p, c.product_id));
  ORDERLY_RETURN_IF_ERROR(require_image(*p, c.product_id, c.image_id));
  out.emit(Aggregate::kProduct, c.product_id, EventType::kProductImageRemoved,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateProductImageRemovedDirect(b, c.product_id.to_string().c_str(),
                                                            c.image_id.to_string().c_str());
           });
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

void evolve(ProductState& p, const events::ProductImageAdded& e) {
  ProductImageRef ref;
  if (e.image_id())
    ref.id = Uuid::parse(e.image_id()->string_view()).value_or(Uuid{});
  if (e.original() && e.original()->hash())
    ref.original_hash = e.original()->hash()->str();
  p.images.push_back(std::move(ref));
}

void evolve(ProductState& p, const events::ProductImagesReordered& e) {
  if (!e.image_ids())
    return;
  std::vector<ProductImageRef> ordered;
  std::vector<bool> taken(p.images.size(), false);
  for (const auto* s : *e.image_ids()) {
    const Uuid id = Uuid::parse(s->string_view()).value_or(Uuid{});
    for (size_t i = 0; i < p.images.size(); ++i) {
      if (!taken[i] && p.images[i].id == id) {
        taken[i] = true;
        ordered.push_back(std::move(p.images[i]));
        break;
      }
    }
  }
  // Images the event does not name (none, when the writer decided it) keep
  // their relative order at the end.
  for (size_t i = 0; i < p.images.size(); ++i) {
    if (!taken[i])
      ordered.push_back(std::move(p.images[i]));
  }
  p.images = std::move(ordered);
}

void evolve(ProductState& p, const events::ProductImageRemoved& e) {
  const Uuid id = e.image_id() ? Uuid::parse(e.image_id()->string_view()).value_or(Uuid{}) : Uuid{};
  std::erase_if(p.images, [&](const ProductImageRef& i) { return i.id == id; });
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
