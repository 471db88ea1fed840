#include "api/engine/fanout_metrics.h"

namespace orderly::api::engine {

std::string fanout_metrics(const fanout::FanoutStats& st, uint64_t last) {
  return "# HELP orderly_fanout_position Last log position JetStream acknowledged.\n"
         "# TYPE orderly_fanout_position gauge\norderly_fanout_position " +
         std::to_string(st.published_position) +
         "\n# HELP orderly_fanout_lag Positions not yet acknowledged by JetStream.\n"
         "# TYPE orderly_fanout_lag gauge\norderly_fanout_lag " +
         std::to_string(last > st.published_position ? last - st.published_position : 0) +
         "\n# HELP orderly_fanout_publish_errors_total Failed publishes (retried).\n"
         "# TYPE orderly_fanout_publish_errors_total counter\n"
         "orderly_fanout_publish_errors_total " +
         std::to_string(st.publish_errors) +
         "\n# HELP orderly_fanout_connected 1 while connected to NATS.\n"
         "# TYPE orderly_fanout_connected gauge\norderly_fanout_connected " +
         (st.connected ? "1" : "0") + "\n";
}

}  // namespace orderly::api::engine
