// The shop's web pages: the storefront and the operations dashboard
// (api/web/), served from the binary. `/` is the page; its modules, styles
// and icons are `/web/{file}`. The pages use only the public API, so they
// get no privileges the API would not give any other client.
#include <algorithm>

#include "api/rest/conditional_get.h"
#include "api/rest/routes/context.h"
#include "api/rest/routes/web_assets.h"

namespace orderly::api::rest::routes {

namespace {

// Content types by extension; embed_web.cmake embeds no other kinds.
std::string_view content_type_of(std::string_view name) {
  if (name.ends_with(".html"))
    return "text/html; charset=utf-8";
  if (name.ends_with(".js"))
    return "text/javascript; charset=utf-8";
  if (name.ends_with(".css"))
    return "text/css; charset=utf-8";
  if (name.ends_with(".svg"))
    return "image/svg+xml";
  return "application/octet-stream";
}

// A plain file name: no path, no dot files. Anything else is not a page file.
bool plain_file_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.')
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

const WebAsset* find_asset(std::string_view name) {
  if (!plain_file_name(name))
    return nullptr;
  for (size_t i = 0; i < kWebAssetCount; ++i) {
    if (kWebAssets[i].name == name)
      return &kWebAssets[i];
  }
  return nullptr;
}

// What every page file carries. The policy allows only this origin's own
// files (no inline script or style, no other hosts); connect-src 'self'
// also covers the same-origin ws:/wss: of /ws/notifications (CSP Level 3).
void add_page_headers(http::Response& r) {
  r.header("Cache-Control", "no-cache");  // keep, but revalidate by ETag on every use
  r.header("Content-Security-Policy",
           "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
           "frame-ancestors 'none'");
  r.header("X-Content-Type-Options", "nosniff");
  r.header("Referrer-Policy", "no-referrer");
  r.header("Cross-Origin-Opener-Policy", "same-origin");
}

void serve_asset(const CallPtr& call, std::string_view name) {
  const WebAsset* asset = find_asset(name);
  if (asset == nullptr)
    return call->answer(problem(404, "not_found", "no page file " + std::string(name)));
  http::Response r;
  r.content_type = std::string(content_type_of(asset->name));
  r.header("ETag", std::string(asset->etag));
  add_page_headers(r);
  if (none_match_hits(call->request.header("if-none-match"), asset->etag)) {
    r.status = 304;  // the browser's copy is current: no body
  } else {
    r.body = std::string(asset->body);
  }
  call->answer(std::move(r));
}

}  // namespace

void add_web_routes(Context& ctx) {
  Router& r = ctx.router;
  // The pages route on the fragment (#/cart, #/admin), so `/` is the only
  // document path.
  r.add("GET", "/", Access::kAnyone, [](const CallPtr& c) { serve_asset(c, "index.html"); });
  r.add("GET", "/web/{file}", Access::kAnyone,
        [](const CallPtr& c) { serve_asset(c, c->params.at("file")); });
}

}  // namespace orderly::api::rest::routes
