// Category: a named group of products, keyed by its slug (core/category.h).
//
// Rules:
// - Only admins create, change and delete categories.
// - A slug is 1-64 bytes of a-z, 0-9 and inner single dashes; it never
//   changes. Names are 1-100 bytes, unique case-insensitively (ASCII);
//   descriptions at most 2000 bytes.
// - A product names its category by slug or by name. A text that is
//   neither names a new category: CreateProduct/UpdateProduct emit its
//   CategoryCreated (slug slugify(text), name the text) right after the
//   product's event, in the same batch, so a shop that never manages
//   categories keeps working as before. After, not before: a command's
//   first event names what it made (CommandReply::stream), and folding the
//   product event first makes the category anyway (ensure_category).
// - A category that active products refer to cannot be deleted
//   (category_in_use); discontinued products keep its name as text.
// - Old logs: a product event without a slug refers to slugify(category);
//   folding it makes that category if no event did (ensure_category).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "commands/command.h"
#include "commands/event_sink.h"
#include "commands/uuid_map.h"
#include "core/category.h"
#include "core/status.h"

namespace flatbuffers {
struct String;
}  // namespace flatbuffers

namespace orderly::events {
struct CategoryCreated;
struct CategoryChanged;
}  // namespace orderly::events

namespace orderly::commands {

struct CategoryState {
  std::string slug, name, description;
  int64_t active_products = 0;  // derived: recounted from the products at load
  uint32_t version = 0;
  bool exists = false;  // false once deleted (the stream stays)
};

struct Categories {
  UuidMap<CategoryState> by_id;                   // category_id(slug) -> state
  std::unordered_map<std::string, Uuid> by_name;  // ASCII-lower-cased name -> id
};

// The existing category `text` names (a slug, or a name in any case), or
// null. `*id` is set when found.
const CategoryState* find_category(const Categories& c, std::string_view text, Uuid* id);

// What a product event writes for the category `text` names: its slug and
// name, and whether it is new (no category has that slug or name): then
// the caller emits emit_category_created(ref) after the product's event.
struct CategoryRef {
  std::string slug, name;
  bool is_new = false;
};
Result<CategoryRef> resolve_product_category(const Categories& c, std::string_view text);
void emit_category_created(const CategoryRef& ref, EventSink& out);

Status decide_create_category(const Categories& c, const CreateCategory& cmd,
                              const CommandMeta& meta, EventSink& out);
Status decide_change_category(const Categories& c, const ChangeCategory& cmd,
                              const CommandMeta& meta, EventSink& out);
Status decide_delete_category(const Categories& c, const DeleteCategory& cmd,
                              const CommandMeta& meta, EventSink& out);

// --- evolve ---
void apply_category_event(Categories& c, const Uuid& id, EventType type, const uint8_t* payload);
// The category a product event names (its category_slug field, or for a
// log written before categories were things product_category_slug of its
// name: core/category.h), made (named `name`) when no category has that
// slug. Returns its id.
Uuid ensure_category(Categories& c, const flatbuffers::String* slug_field, std::string_view name);

// Which name each existing category's slug holds (core/category.h).
CategoryNameAt name_at(const Categories& c);

}  // namespace orderly::commands
