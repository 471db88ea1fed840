// A category's words, shared by the writer (commands/category.h) and the
// read models (projections/catalog.h): its slug rules, the stream id made
// from the slug, and which category an old product event names.
//
// A category is keyed by its slug: lower-case ASCII letters, digits and
// single dashes inside, 1-64 bytes. Its stream is "category-<id>" with the
// id a name-based UUID of the slug (uuid_from_name), so the slug alone
// finds the stream.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/uuid.h"

namespace orderly {

inline constexpr size_t kMaxCategorySlugBytes = 64;
inline constexpr size_t kMaxCategoryNameBytes = 100;  // = a product's category text
inline constexpr size_t kMaxCategoryDescriptionBytes = 2000;

bool is_valid_category_slug(std::string_view slug);

// The slug a name gets: ASCII letters lower-cased, digits kept, every run
// of anything else one '-', trimmed and cut to 64 bytes. A name without an
// ASCII letter or digit (e.g. all Cyrillic) gets "c-" + 12 hex digits of
// its digest, so every name has a slug.
std::string slugify(std::string_view name);

Uuid category_id(std::string_view slug);

// A category's name held at `slug`, nullopt when no category has it.
using CategoryNameAt = std::function<std::optional<std::string>(std::string_view slug)>;

// slugify(name) cut to 57 bytes, '-', and 6 hex digits of the name's
// digest: the slug of a name whose plain slug another name holds.
std::string distinct_slug(std::string_view name);

// The slug a new category named `name` takes: slugify(name), unless a
// category of another name (ASCII case aside) holds it ("C#" and "C++" are
// both `c`): then distinct_slug(name). One rule for the writer and the
// read models, so both fold the same log to the same categories.
std::string new_category_slug(std::string_view name, const CategoryNameAt& name_at);

// The slug a product event names: its category_slug field when there is
// one, else (events written before categories were things)
// new_category_slug(category).
std::string product_category_slug(std::string_view category_slug, std::string_view category,
                                  const CategoryNameAt& name_at);

}  // namespace orderly
