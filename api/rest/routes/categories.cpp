// Categories (issue 22): read by anyone, made, changed and deleted by
// admins. The writer keeps the rules (commands/category.h); the catalog
// read model answers (projections/catalog.h).
#include "api/rest/requests/categories.h"
#include "api/rest/problem.h"
#include "api/rest/routes/context.h"
#include "core/category.h"
#include "projections/catalog.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

json::object category_json(const projections::CategoryRow& c) {
  return {{"slug", c.slug},
          {"name", c.name},
          {"description", c.description},
          {"product_count", c.product_count}};
}

// The {slug} of the path, when it can be a slug at all; else answered 404
// (the same answer as for a slug no category has).
std::optional<std::string> slug_param(const CallPtr& call) {
  auto it = call->params.find("slug");
  if (it == call->params.end() || !is_valid_category_slug(it->second)) {
    call->answer(problem(404, "not_found", "no such category"));
    return std::nullopt;
  }
  return it->second;
}

// {category} as the read model has it after the command at `position`.
void answer_category(Context& ctx, const CallPtr& call, const std::string& slug, int status,
                     uint64_t position) {
  call->answer(row_response(ctx.model<projections::CatalogReadModel>("catalog")->category(slug),
                            "category", category_json, slug, status, position,
                            "/api/categories/" + slug));
}

void list_categories(Context& ctx, const CallPtr& call) {
  auto paging = call->page_query();
  if (!paging)
    return call->fail(paging.status());
  const auto all = ctx.model<projections::CatalogReadModel>("catalog")->categories();
  auto page = projections::Page<projections::CategoryRow>::of(paging->page, paging->per_page);
  page.fill(all.begin(), all.end(), all.size(), [](const auto& c) { return c; });
  call->answer(page_response(page, category_json));
}

void get_category(Context& ctx, const CallPtr& call) {
  const auto slug = slug_param(call);
  if (!slug)
    return;
  auto c = ctx.model<projections::CatalogReadModel>("catalog")->category(*slug);
  if (!c)
    return call->answer(problem(404, "not_found", "no such category"));
  call->answer(json_response(200, json::object{{"category", category_json(*c)}}));
}

void create_category(Context& ctx, const CallPtr& call) {
  auto c = call->parsed_body(requests::create_category_from);
  if (!c)
    return;
  ctx.run(call, *c, call->meta(), "catalog",
          [&ctx, slug = c->slug](const CallPtr& call, const CommandReply& r) {
            answer_category(ctx, call, slug, 201, r.last_position);
          });
}

void change_category(Context& ctx, const CallPtr& call) {
  const auto slug = slug_param(call);
  if (!slug)
    return;
  auto c = call->parsed_body(requests::change_category_from, *slug);
  if (!c)
    return;
  ctx.run(call, *c, call->meta(), "catalog",
          [&ctx, slug = *slug](const CallPtr& call, const CommandReply& r) {
            answer_category(ctx, call, slug, 200, r.last_position);
          });
}

void delete_category(Context& ctx, const CallPtr& call) {
  const auto slug = slug_param(call);
  if (!slug)
    return;
  ctx.run(call, DeleteCategory{*slug}, call->meta(), "catalog",
          [](const CallPtr& call, const CommandReply& r) {
            call->answer(no_content(r.last_position));
          });
}

}  // namespace

void add_category_routes(Context& ctx) {
  ctx.route("GET", "/api/categories", Access::kAnyone, list_categories);
  ctx.route("GET", "/api/categories/{slug}", Access::kAnyone, get_category);
  ctx.route("POST", "/api/categories", Access::kAdmin, create_category);
  ctx.route("PATCH", "/api/categories/{slug}", Access::kAdmin, change_category);
  ctx.route("DELETE", "/api/categories/{slug}", Access::kAdmin, delete_category);
}

}  // namespace orderly::api::rest::routes
