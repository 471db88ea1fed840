// The shop's web pages: the storefront and the operations dashboard
// (api/web/), served from the binary. `/` is the page; its modules, styles
// and icons are `/web/{file}`. `/pay/3ds` is the engine's own 3-D Secure
// page (inline payments: the next_action_url of a pm_card_3ds payment),
// a document of its own so a provider's page and this one are reached
// the same way, by leaving the shop and coming back to it. The pages use only the public API, so
// they get no privileges the API would not give any other client.
#include <algorithm>
#include <string>

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

// The origin (scheme://host[:port]) of an absolute http(s) URL; empty for
// anything else. --image-base-url is checked at start to be such a URL.
std::string origin_of(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos)
    return {};
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return {};
  return std::string(url.substr(0, url.find('/', scheme_end + 3)));
}

// The policy every page file carries: only this origin's own files (no
// inline script or style, no other hosts), except images, which may also
// be data: URLs (the dashboard's previews of files before upload) and come
// from --image-base-url's origin when the operator serves them from
// elsewhere (a CDN). connect-src 'self' also covers the same-origin
// ws:/wss: of /ws/notifications (CSP Level 3).
std::string page_policy(std::string_view image_base_url) {
  std::string img_src = "'self' data:";
  if (const std::string origin = origin_of(image_base_url); !origin.empty())
    img_src += " " + origin;
  return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + img_src +
         "; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
         "frame-ancestors 'none'";
}

// What every page file carries besides its policy.
void add_page_headers(http::Response& r, const std::string& policy) {
  r.header("Cache-Control", "no-cache");  // keep, but revalidate by ETag on every use
  r.header("Content-Security-Policy", policy);
  r.header("X-Content-Type-Options", "nosniff");
  r.header("Referrer-Policy", "no-referrer");
  r.header("Cross-Origin-Opener-Policy", "same-origin");
}

void serve_asset(const CallPtr& call, std::string_view name, const std::string& policy) {
  const WebAsset* asset = find_asset(name);
  if (asset == nullptr)
    return call->answer(problem(404, "not_found", "no page file " + std::string(name)));
  http::Response r;
  r.content_type = std::string(content_type_of(asset->name));
  r.header("ETag", std::string(asset->etag));
  add_page_headers(r, policy);
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
  // Fixed at start: --image-base-url does not change while serving.
  const std::string policy = page_policy(ctx.options.image_base_url);
  r.add("GET", "/", Access::kAnyone,
        [policy](const CallPtr& c) { serve_asset(c, "index.html", policy); });
  // The query (payment_id) is read by the page's module, not here.
  r.add("GET", "/pay/3ds", Access::kAnyone,
        [policy](const CallPtr& c) { serve_asset(c, "pay_3ds.html", policy); });
  r.add("GET", "/web/{file}", Access::kAnyone,
        [policy](const CallPtr& c) { serve_asset(c, c->params.at("file"), policy); });
}

}  // namespace orderly::api::rest::routes
