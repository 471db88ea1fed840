// Product images: upload (admin), alt text and order (admin), removal
// (admin), and the files themselves (anyone).
//
// An upload is checked and processed (api/images: the declared type against
// the magic bytes, the decompression-bomb guard, a full decode, metadata
// stripped, two WebP sizes) and its three files put in the image store
// on the image workers, never on an I/O thread; only then is
// ProductImageAdded recorded. So an event never names a file the store
// does not hold, and a store that is down (503) records nothing: the
// upload is retried as it was, with its Idempotency-Key.
#include "api/rest/requests/images.h"
#include "api/images/image_format.h"
#include "api/images/image_processing.h"
#include "api/images/image_store.h"
#include "api/rest/problem.h"
#include "api/rest/routes/context.h"
#include "projections/catalog.h"

namespace orderly::api::rest::routes {

namespace {

using namespace commands;

std::shared_ptr<const projections::CatalogReadModel> catalog(const Context& ctx) {
  return ctx.model<projections::CatalogReadModel>("catalog");
}

const projections::CatalogImage* find_image(const projections::CatalogProduct& p,
                                            std::string_view id) {
  for (const auto& i : p.images) {
    if (i.id == id)
      return &i;
  }
  return nullptr;
}

ImageFileRef file_ref(const images::ImageFile& f) {
  return {f.hash, std::string(images::extension_of(f.format)),
          static_cast<int64_t>(f.bytes.size())};
}

// The answer to an upload: the image as the catalog has it now (201), or
// 202 with its id when the read model has not applied it in time.
void answer_added(Context& ctx, const CallPtr& call, const std::string& product_id,
                  const std::string& image_id, const CommandReply& reply) {
  auto p = catalog(ctx)->get(product_id);
  const projections::CatalogImage* image = p ? find_image(*p, image_id) : nullptr;
  http::Response r =
      image ? json_response(201, json::object{{"image", image_json(*image, ctx.image_base_url())}})
            : json_response(202, json::object{{"id", image_id}, {"position", reply.last_position}});
  if (p)
    r.header("ETag", etag_of(p->version));
  r.header("Location", "/api/products/" + product_id);
  call->answer(with_position(std::move(r), reply.last_position));
}

// On an image worker: process, store, then record.
void process_and_record(Context& ctx, const CallPtr& call, const Uuid& product,
                        const requests::ImageUpload& upload, images::ImageFormat format) {
  auto processed = images::process_image(upload.bytes, format);
  if (!processed)
    return call->fail(processed.status());
  for (const images::ImageFile* f : {&processed->original, &processed->thumb, &processed->medium}) {
    if (Status st = ctx.options.image_store->put(*f); !st.is_ok()) {
      ctx.log->warn("image store {}: {}", ctx.options.image_store->describe(), st.message());
      return call->fail(st);
    }
  }
  AddProductImage c;
  c.product_id = product;
  // Follows from the product and the picture: a retry makes the same id,
  // and the same picture twice on one product is refused by the writer.
  c.image_id =
      uuid_from_name("orderly image " + product.to_string() + " " + processed->original.hash);
  c.original = file_ref(processed->original);
  c.thumb = file_ref(processed->thumb);
  c.medium = file_ref(processed->medium);
  c.width = processed->width;
  c.height = processed->height;
  c.alt = upload.alt;
  ctx.run(call, c, call->meta(), "catalog",
          [&ctx, product = product.to_string(), image = c.image_id.to_string()](
              const CallPtr& call, const CommandReply& r) {
            answer_added(ctx, call, product, image, r);
          });
}

void upload_image(Context& ctx, const CallPtr& call) {
  const auto id = parse_id(call, "id");
  if (!id)
    return;
  if (!ctx.options.image_store)
    return call->answer(problem(503, "unavailable", "this shop has no image store configured"));
  if (!catalog(ctx)->get(id->to_string()))
    return call->answer(problem(404, "not_found", "no such product"));
  auto upload = requests::image_upload_from(call->request.header("content-type"),
                                            call->request.body, call->query("alt"));
  if (!upload)
    return call->fail(upload.status());
  const auto format = images::format_of_content_type(upload->content_type);
  if (!format) {
    return call->fail(Status::unsupported_media_type(
        "images are image/jpeg, image/png or image/webp, not " + upload->content_type));
  }
  // The upload's bytes point into the call's body: the job holds the call.
  const bool queued = ctx.image_workers.submit(
      [&ctx, call, product = *id, upload = std::move(*upload), format = *format] {
        process_and_record(ctx, call, product, upload, format);
      });
  if (!queued)
    call->answer(problem(503, "overloaded", "too many images are being processed; retry shortly"));
}

void change_image(Context& ctx, const CallPtr& call) {
  const auto product = parse_id(call, "id");
  if (!product)
    return;
  const auto image = parse_id(call, "image_id");
  if (!image)
    return;
  auto c = call->parsed_body(requests::change_product_image_from, *product, *image);
  if (!c)
    return;
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  ctx.run(call, *c, *meta, "catalog",
          [&ctx, id = product->to_string()](const CallPtr& call, const CommandReply& r) {
            call->answer(versioned_row_response(catalog(ctx)->get(id), "product", product_view(ctx),
                                                id, 200, r.last_position, "/api/products/" + id));
          });
}

void remove_image(Context& ctx, const CallPtr& call) {
  const auto product = parse_id(call, "id");
  if (!product)
    return;
  const auto image = parse_id(call, "image_id");
  if (!image)
    return;
  auto meta = call->meta_with_if_match();
  if (!meta)
    return;
  // The files stay in the store: content-addressed, they may be another
  // image's too, and the log still names them (replay, time travel).
  ctx.run(call, RemoveProductImage{*product, *image}, *meta, "catalog",
          [&ctx, id = product->to_string()](const CallPtr& call, const CommandReply& r) {
            http::Response res = no_content(r.last_position);
            if (auto p = catalog(ctx)->get(id))
              res.header("ETag", etag_of(p->version));
            call->answer(std::move(res));
          });
}

// GET /images/{name}: a stored file. Its name is its hash, so the bytes
// never change: cached for a year, immutable, and its ETag is the hash.
void serve_image(Context& ctx, const CallPtr& call) {
  const std::string name = call->params.at("name");
  const auto parsed = images::parse_image_name(name);
  if (!parsed || !ctx.options.image_store)
    return call->answer(problem(404, "not_found", "no image " + name));
  const std::string etag = "\"" + std::string(parsed->hash) + "\"";
  if (none_match_hits(call->request.header("if-none-match"), etag)) {
    http::Response r;
    r.status = 304;
    r.header("ETag", etag);
    r.header("Cache-Control", "public, max-age=31536000, immutable");
    return call->answer(std::move(r));
  }
  // The store may be S3: a network call, on the image readers (a pool apart
  // from the uploads, so page loads and uploads never wait on each other).
  const bool queued = ctx.image_reads.submit([&ctx, call, name, format = parsed->format, etag] {
    auto bytes = ctx.options.image_store->get(name);
    if (!bytes)
      return call->fail(bytes.status());
    if (!*bytes)
      return call->answer(problem(404, "not_found", "no image " + name));
    http::Response r;
    r.content_type = std::string(images::content_type_of(format));
    r.body = std::move(**bytes);
    r.header("ETag", etag);
    r.header("Cache-Control", "public, max-age=31536000, immutable");
    r.header("X-Content-Type-Options", "nosniff");
    call->answer(std::move(r));
  });
  if (!queued)
    call->answer(problem(503, "overloaded", "too many image requests at once; retry shortly"));
}

}  // namespace

void add_image_routes(Context& ctx) {
  ctx.route("POST", "/api/products/{id}/images", Access::kAdmin, upload_image);
  ctx.router.set_body_limit("POST", "/api/products/{id}/images", ctx.options.max_image_bytes);
  ctx.route("PATCH", "/api/products/{id}/images/{image_id}", Access::kAdmin, change_image);
  ctx.route("DELETE", "/api/products/{id}/images/{image_id}", Access::kAdmin, remove_image);
  ctx.route("GET", "/images/{name}", Access::kAnyone, serve_image);
}

}  // namespace orderly::api::rest::routes
