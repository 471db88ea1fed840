#include "commands/analytics.h"

#include "commands/validation.h"
#include "core/schemas/analytics_events_generated.h"

namespace orderly::commands {

std::string normalize_search(std::string_view query) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty())
      return;
    if (!out.empty())
      out.push_back(' ');
    out += word;
    word.clear();
  };
  for (const char c : query) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) {
      flush();
    } else {
      word.push_back(static_cast<char>(std::tolower(u)));
    }
  }
  flush();
  return out;
}

size_t analytics_batch_bytes(const RecordAnalytics& c) {
  size_t bytes = c.product_views.size() * kViewEntryBytes;
  for (const auto& [query, count] : c.searches)
    bytes += search_entry_bytes(query);
  return bytes;
}

Status decide_record_analytics(const RecordAnalytics& c, const CommandMeta& meta, EventSink& out) {
  if (meta.role != Role::kEngine)
    return Status::forbidden("analytics are recorded by the engine");
  if (c.product_views.empty() && c.searches.empty())
    return Status::invalid_argument("an empty analytics batch");
  if (c.product_views.size() > kMaxAnalyticsEntries || c.searches.size() > kMaxAnalyticsEntries) {
    return Status::invalid_argument(
        "an analytics batch holds at most 10000 views and 10000 searches");
  }
  if (analytics_batch_bytes(c) > kMaxAnalyticsBatchBytes) {
    return Status::invalid_argument("an analytics batch holds at most " +
                                    std::to_string(kMaxAnalyticsBatchBytes) + " bytes of entries");
  }
  for (const auto& [product, count] : c.product_views) {
    if (count == 0)
      return Status::invalid_field("product_views", "counts start at 1");
  }
  for (const auto& [query, count] : c.searches) {
    if (count == 0)
      return Status::invalid_field("searches", "counts start at 1");
    ORDERLY_RETURN_IF_ERROR(require_text("searches", query, 1, kMaxSearchBytes));
  }
  out.emit(Aggregate::kAnalytics, c.batch_id, EventType::kAnalyticsRecorded,
           [&](flatbuffers::FlatBufferBuilder& b) {
             std::vector<flatbuffers::Offset<events::ProductViewCount>> views;
             for (const auto& [product, count] : c.product_views) {
               views.push_back(
                   events::CreateProductViewCount(b, b.CreateString(product.to_string()), count));
             }
             std::vector<flatbuffers::Offset<events::SearchCount>> searches;
             for (const auto& [query, count] : c.searches) {
               searches.push_back(events::CreateSearchCount(b, b.CreateString(query), count));
             }
             return events::CreateAnalyticsRecordedDirect(b, &views, &searches);
           });
  return Status::ok();
}

}  // namespace orderly::commands
