// Category: a named group of products, keyed by its slug (core/category.h).
//
// Rules:
// - Only admins create, change and delete categories.
// - A slug is 1-64 bytes of a-z, 0-9 and inner single dashes; it never
//   changes. Names are 1-100 bytes, unique case-insensitively (ASCII);
//   descriptions at most 2000 bytes.
// - A product names its category by slug or by name. A text that is
//   neither names a new category: CreateProduct/UpdateProduct emit its
//   CategoryCreated (slug slugify(text), name the text) first, in the same
//   batch, so a shop that never manages categories keeps working as before.
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
#include "core/status.h"

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
// name. When no category has that slug or name, emits its CategoryCreated.
struct CategoryRef {
  std::string slug, name;
};
Result<CategoryRef> resolve_product_category(const Categories& c, std::string_view text,
                                             EventSink& out);

Status decide_create_category(const Categories& c, const CreateCategory& cmd,
                              const CommandMeta& meta, EventSink& out);
Status decide_change_category(const Categories& c, const ChangeCategory& cmd,
                              const CommandMeta& meta, EventSink& out);
Status decide_delete_category(const Categories& c, const DeleteCategory& cmd,
                              const CommandMeta& meta, EventSink& out);

// --- evolve ---
void apply_category_event(Categories& c, const Uuid& id, EventType type, const uint8_t* payload);
// The category of a product event from a log written before categories were
// things: made (name `name`) when no category has `slug`. Returns its id.
Uuid ensure_category(Categories& c, const std::string& slug, std::string_view name);

std::string lower_ascii(std::string_view s);

}  // namespace orderly::commands
