#include "core/category.h"

#include "core/digest.h"
#include "core/text.h"
#include "core/uuid.h"

namespace orderly {

namespace {
bool is_slug_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_ascii_alnum(char c) {
  return is_slug_char(c) || (c >= 'A' && c <= 'Z');
}
}  // namespace

bool is_valid_category_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > kMaxCategorySlugBytes || slug.front() == '-' ||
      slug.back() == '-')
    return false;
  char previous = 0;
  for (char c : slug) {
    if (!is_slug_char(c) && c != '-')
      return false;
    if (c == '-' && previous == '-')
      return false;
    previous = c;
  }
  return true;
}

std::string slugify(std::string_view name) {
  std::string out;
  bool dash = false;
  for (char c : name) {
    if (is_ascii_alnum(c)) {
      if (dash && !out.empty())
        out.push_back('-');
      dash = false;
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    } else {
      dash = true;
    }
  }
  if (out.size() > kMaxCategorySlugBytes) {
    out.resize(kMaxCategorySlugBytes);
    while (!out.empty() && out.back() == '-')
      out.pop_back();
  }
  if (out.empty())
    out = "c-" + digest128_hex(name).substr(0, 12);
  return out;
}

Uuid category_id(std::string_view slug) {
  return uuid_from_name("orderly category " + std::string(slug));
}

std::string distinct_slug(std::string_view name) {
  std::string base = slugify(name);
  if (base.size() > kMaxCategorySlugBytes - 7) {
    base.resize(kMaxCategorySlugBytes - 7);
    while (!base.empty() && base.back() == '-')
      base.pop_back();
  }
  return base + "-" + digest128_hex("orderly category name " + std::string(name)).substr(0, 6);
}

std::string new_category_slug(std::string_view name, const CategoryNameAt& name_at) {
  std::string slug = slugify(name);
  const auto holder = name_at(slug);
  if (!holder || ascii_lower(*holder) == ascii_lower(name))
    return slug;
  return distinct_slug(name);
}

std::string product_category_slug(std::string_view category_slug, std::string_view category,
                                  const CategoryNameAt& name_at) {
  if (!category_slug.empty())
    return std::string(category_slug);
  return new_category_slug(category, name_at);
}

}  // namespace orderly
