// `orderly notify email`: the email notifier as its own process
// (api/notify/standalone/remote_email_notifier.h). Run `orderly serve` with
// --nats-url and --no-email-notifier beside it.
#include <cstdio>

#include "api/cli/commands.h"
#include "api/cli/email_options.h"
#include "api/cli/logger.h"
#include "api/cli/notify_common.h"
#include "api/notify/standalone/remote_email_notifier.h"

namespace orderly::cli {

int run_notify_email(const CommonOptions& common, const NotifyOptions& o) {
  auto log = make_logger(common.log_format);
  auto delivery =
      email_delivery_options({o.smtp_url, o.smtp_tls, o.smtp_ca_file, o.mail_from, o.public_url},
                             common.data_dir + "/outbox", o.engine_url);
  if (!delivery) {
    log->error("{}", delivery.status().message());
    return kExitUsage;
  }
  sigset_t signals = block_stop_signals();
  auto engine = connect_engine(o, signals, *log);
  if (!engine)
    return exit_status_of(engine.status());

  log->info("email notifier running: NATS {}, engine {}, emails {}", o.nats_url, o.engine_url,
            describe_delivery(*delivery));
  std::printf("orderly notify email running (NATS %s, engine %s)\n", o.nats_url.c_str(),
              o.engine_url.c_str());
  std::fflush(stdout);
  const auto until_signal = [&] {
    wait_for_stop_signal(signals, *log, "stopping the email notifier");
  };
  const auto st = api::notify::standalone::run_remote_email_notifier(
      **engine, {o.nats_url, "orderly.events", *delivery}, log, until_signal);
  log->info("stopped: {} sent, {} failed attempts, {} pending", st.sent, st.failed_attempts,
            st.pending);
  return kExitOk;
}

}  // namespace orderly::cli
