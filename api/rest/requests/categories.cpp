#include "api/rest/requests/categories.h"

#include "api/rest/requests/parsed.h"
#include "core/category.h"

namespace orderly::api::rest::requests {

using namespace commands;

namespace {

// A name is 1-100 bytes: an empty one would list as nothing.
std::optional<std::string> category_name(Fields& f, bool required) {
  auto name = f.str("name", required, kMaxCategoryNameBytes);
  if (name && name->empty()) {
    f.add("name", "must not be empty");
    return std::nullopt;
  }
  return name;
}

}  // namespace

Result<CreateCategory> create_category_from(const boost::json::object& body) {
  Fields f(body);
  f.only({"slug", "name", "description"});
  CreateCategory c;
  const auto slug = f.str("slug", false, kMaxCategorySlugBytes);
  if (slug && !is_valid_category_slug(*slug))
    f.add("slug", "must be 1-64 bytes of a-z, 0-9 and inner single dashes");
  c.name = category_name(f, true).value_or("");
  c.description = f.str("description", false, kMaxCategoryDescriptionBytes).value_or("");
  if (!f.ok())
    return invalid_fields("the category is not valid", f);
  c.slug = slug ? *slug : slugify(c.name);
  return c;
}

Result<ChangeCategory> change_category_from(const boost::json::object& body,
                                            const std::string& slug) {
  Fields f(body);
  f.only({"name", "description"});
  ChangeCategory c;
  c.slug = slug;
  c.name = category_name(f, false);
  c.description = f.str("description", false, kMaxCategoryDescriptionBytes);
  if (f.ok() && !c.name && !c.description)
    f.add("name", "send name, description or both");
  if (!f.ok())
    return invalid_fields("the change is not valid", f);
  return c;
}

}  // namespace orderly::api::rest::requests
