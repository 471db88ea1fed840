#include "commands/category.h"

#include "commands/validation.h"
#include "core/category.h"
#include "core/schemas/category_events_generated.h"
#include "core/text.h"

namespace orderly::commands {

namespace {

Status require_admin(const CommandMeta& meta) {
  if (meta.role == Role::kAdmin || meta.role == Role::kEngine)
    return Status::ok();
  return Status::forbidden("only admins manage categories");
}

const CategoryState* existing(const Categories& c, const Uuid& id) {
  auto it = c.by_id.find(id);
  return it == c.by_id.end() || !it->second.exists ? nullptr : &it->second;
}

Status require_slug(std::string_view slug) {
  if (!is_valid_category_slug(slug)) {
    return Status::invalid_field(
        "slug",
        "must be 1-64 characters of a-z, 0-9 and single dashes inside, like \"home-garden\"");
  }
  return Status::ok();
}

// `self`: the category being renamed (its own name does not conflict).
Status require_free_name(const Categories& c, std::string_view name, const Uuid* self) {
  ORDERLY_RETURN_IF_ERROR(require_text("name", name, 1, kMaxCategoryNameBytes));
  auto it = c.by_name.find(ascii_lower(name));
  if (it != c.by_name.end() && (self == nullptr || it->second != *self)) {
    return {ErrorCode::kAlreadyExists,
            "a category is already named " + std::string(name),
            {{"name", "is the name of category " + c.by_id.at(it->second).slug}}};
  }
  return Status::ok();
}

void emit_created(EventSink& out, const Uuid& id, std::string_view slug, std::string_view name,
                  std::string_view description) {
  out.emit(Aggregate::kCategory, id, EventType::kCategoryCreated,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCategoryCreated(b, b.CreateString(id.to_string()),
                                                  b.CreateString(slug), b.CreateString(name),
                                                  b.CreateString(description));
           });
}

}  // namespace

CategoryNameAt name_at(const Categories& c) {
  return [&c](std::string_view slug) -> std::optional<std::string> {
    const CategoryState* s = existing(c, category_id(slug));
    if (s == nullptr)
      return std::nullopt;
    return s->name;
  };
}

namespace {

std::string str(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

}  // namespace

const CategoryState* find_category(const Categories& c, std::string_view text, Uuid* id) {
  if (is_valid_category_slug(text)) {
    const Uuid by_slug = category_id(text);
    if (const CategoryState* s = existing(c, by_slug)) {
      *id = by_slug;
      return s;
    }
  }
  auto it = c.by_name.find(ascii_lower(text));
  if (it != c.by_name.end()) {
    *id = it->second;
    return existing(c, it->second);
  }
  return nullptr;
}

Result<CategoryRef> resolve_product_category(const Categories& c, std::string_view text) {
  ORDERLY_RETURN_IF_ERROR(require_text("category", text, 1, kMaxCategoryNameBytes));
  Uuid id;
  if (const CategoryState* s = find_category(c, text, &id))
    return CategoryRef{s->slug, s->name};
  // A new name: its plain slug may be another name's ("C#", "C++"): then
  // a slug of its own (core/category.h, the rule the read models follow).
  std::string slug = new_category_slug(text, name_at(c));
  id = category_id(slug);
  if (const CategoryState* s = existing(c, id))
    return CategoryRef{s->slug, s->name};  // the same name, or a digest collision
  return CategoryRef{std::move(slug), std::string(text), true};
}

void emit_category_created(const CategoryRef& ref, EventSink& out) {
  emit_created(out, category_id(ref.slug), ref.slug, ref.name, "");
}

Status decide_create_category(const Categories& c, const CreateCategory& cmd,
                              const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  ORDERLY_RETURN_IF_ERROR(require_slug(cmd.slug));
  ORDERLY_RETURN_IF_ERROR(
      require_text("description", cmd.description, 0, kMaxCategoryDescriptionBytes));
  const Uuid id = category_id(cmd.slug);
  if (existing(c, id) != nullptr) {
    return {ErrorCode::kAlreadyExists,
            "category " + cmd.slug + " exists",
            {{"slug", "is taken by another category"}}};
  }
  ORDERLY_RETURN_IF_ERROR(require_free_name(c, cmd.name, nullptr));
  emit_created(out, id, cmd.slug, cmd.name, cmd.description);
  return Status::ok();
}

Status decide_change_category(const Categories& c, const ChangeCategory& cmd,
                              const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  const Uuid id = category_id(cmd.slug);
  if (existing(c, id) == nullptr)
    return Status::not_found("category " + cmd.slug + " does not exist");
  if (!cmd.name && !cmd.description)
    return Status::invalid_field("body", "names neither name nor description");
  if (cmd.name)
    ORDERLY_RETURN_IF_ERROR(require_free_name(c, *cmd.name, &id));
  if (cmd.description) {
    ORDERLY_RETURN_IF_ERROR(
        require_text("description", *cmd.description, 0, kMaxCategoryDescriptionBytes));
  }
  out.emit(Aggregate::kCategory, id, EventType::kCategoryChanged,
           [&](flatbuffers::FlatBufferBuilder& b) {
             auto sid = b.CreateString(id.to_string());
             auto slug = b.CreateString(cmd.slug);
             auto name = cmd.name ? b.CreateString(*cmd.name) : 0;
             auto desc = cmd.description ? b.CreateString(*cmd.description) : 0;
             return events::CreateCategoryChanged(b, sid, slug, name, desc);
           });
  return Status::ok();
}

Status decide_delete_category(const Categories& c, const DeleteCategory& cmd,
                              const CommandMeta& meta, EventSink& out) {
  ORDERLY_RETURN_IF_ERROR(require_admin(meta));
  const Uuid id = category_id(cmd.slug);
  const CategoryState* s = existing(c, id);
  if (s == nullptr)
    return Status::not_found("category " + cmd.slug + " does not exist");
  if (s->active_products > 0) {
    return {ErrorCode::kCategoryInUse, "category " + cmd.slug + " still has " +
                                           std::to_string(s->active_products) +
                                           " active products: move or discontinue them first"};
  }
  out.emit(Aggregate::kCategory, id, EventType::kCategoryDeleted,
           [&](flatbuffers::FlatBufferBuilder& b) {
             return events::CreateCategoryDeleted(b, b.CreateString(id.to_string()),
                                                  b.CreateString(cmd.slug));
           });
  return Status::ok();
}

void apply_category_event(Categories& c, const Uuid& id, EventType type, const uint8_t* payload) {
  CategoryState& s = c.by_id[id];
  ++s.version;
  switch (type) {
    case EventType::kCategoryCreated: {
      auto* e = flatbuffers::GetRoot<events::CategoryCreated>(payload);
      s.slug = str(e->slug());
      s.name = str(e->name());
      s.description = str(e->description());
      s.exists = true;
      c.by_name[ascii_lower(s.name)] = id;
      break;
    }
    case EventType::kCategoryChanged: {
      auto* e = flatbuffers::GetRoot<events::CategoryChanged>(payload);
      if (e->name()) {
        c.by_name.erase(ascii_lower(s.name));
        s.name = e->name()->str();
        c.by_name[ascii_lower(s.name)] = id;
      }
      if (e->description())
        s.description = e->description()->str();
      break;
    }
    case EventType::kCategoryDeleted:
      c.by_name.erase(ascii_lower(s.name));
      s.exists = false;
      break;
    default:
      break;
  }
}

Uuid ensure_category(Categories& c, const flatbuffers::String* slug_field, std::string_view name) {
  const std::string slug =
      product_category_slug(slug_field ? slug_field->string_view() : "", name, name_at(c));
  const Uuid id = category_id(slug);
  CategoryState& s = c.by_id[id];
  if (!s.exists) {
    s.slug = slug;
    s.name = std::string(name);
    s.description.clear();
    s.exists = true;
    c.by_name.emplace(ascii_lower(s.name), id);
  }
  return id;
}

}  // namespace orderly::commands
