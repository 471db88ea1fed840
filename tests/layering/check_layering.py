#!/usr/bin/env python3
"""Fails on an #include that runs against the layering of the modules.

    core <- eventstore <- {commands, projections} <- api

A module may include its own headers and those of the modules below it:
commands and projections are siblings (neither includes the other), and
nothing below api includes api. Generated headers count as their module's
(core/schemas/...).

Inside api/ each folder is a module of its own (api/README.md draws the
map), and API_ALLOWED says which api folders it may include: a folder is
named by its path ("api/rest"), one header of a folder by its file path
("api/http/message.h"), and the deepest folder named owns a file. So the
route files see neither NATS, the fan-out, email (libcurl) nor the HTTP
server's internals; the server sees nothing of REST; only the engine
wiring and the commands above it see everything.

Each api folder is also one namespace, its path under orderly
("api/rest/routes" is orderly::api::rest::routes; "api/cli" is orderly::cli,
the facade in api/ orderly::api): a file that opens an orderly namespace
opens its folder's, and any other it opens (to forward-declare) is one of a
module it may include.

Usage: check_layering.py SOURCE_DIR. Before it checks the tree it proves on
made-up trees that it finds each kind of violation, so the test cannot pass
by finding nothing.
"""
import os
import re
import sys
import tempfile

ALLOWED = {
    "core": {"core"},
    "eventstore": {"core", "eventstore"},
    "commands": {"core", "eventstore", "commands"},
    "projections": {"core", "eventstore", "projections"},
    "api": {"core", "eventstore", "commands", "projections", "api"},
}

# The HTTP server's one header for everyone: the request and answer values.
HTTP_MESSAGE = "api/http/message.h"
# Every api folder below the engine wiring.
API_BELOW_ENGINE = {
    "api", "api/http", "api/auth", "api/nats", "api/fanout", "api/rest",
    "api/rest/requests", "api/rest/routes", "api/notify/requests",
    "api/notify/email", "api/notify/push", "api/notify/client", "api/notify/standalone",
    "api/oidc", "api/images", "api/images/s3", "api/payments", "api/payments/provider",
    "api/curl", "api/replication",
}
API_ALLOWED = {
    # The Beast server: nothing of what it serves.
    "api/http": {"api/http"},
    "api/auth": {"api/auth"},
    # What the libcurl clients share (init, bounded body, URL check): only
    # they include it, so the route files stay without libcurl.
    "api/curl": {"api/curl"},
    # OpenID Connect: OpenSSL and libcurl, base64url from auth.
    "api/oidc": {"api/oidc", "api/auth", "api/curl"},
    # Images: libvips and the store interface; the S3 store (libcurl) on top.
    "api/images": {"api/images"},
    "api/images/s3": {"api/images/s3", "api/images", "api/curl"},
    # Payments with a provider: the webhook signature (OpenSSL), secret files.
    "api/payments": {"api/payments"},
    # The dispatcher (libcurl) on top; the engine starts it.
    "api/payments/provider": {"api/payments/provider", "api/payments", "api/curl"},
    "api/nats": {"api/nats"},
    "api/fanout": {"api/fanout", "api/nats"},
    # Pure parsers: JSON bodies to commands.
    "api/rest/requests": {"api/rest/requests"},
    # Calls, routing, problem+json, waits, limits: no engine parts.
    "api/rest": {"api/rest", "api/rest/requests", "api/auth", HTTP_MESSAGE},
    # The route files: the REST machinery, the read models and the pipeline,
    # the WebSocket hub's header (the context owns the hub), the email
    # requests the notifier routes record; never NATS, the fan-out, libcurl
    # (email delivery) or the server's internals; of OpenID Connect only the
    # provider's interface (the engine builds the libcurl one); of payments
    # only the webhook signature (the webhook route checks it).
    "api/rest/routes": {"api/rest/routes", "api/rest", "api/rest/requests", "api/auth",
                        "api/notify/requests", "api/notify/push/ws_hub.h",
                        "api/notify/push/ws_push_json.h", "api/oidc/provider.h", "api/images",
                        "api/payments/webhook_signature.h", HTTP_MESSAGE},
    "api/notify/requests": {"api/notify/requests"},
    "api/notify/push": {"api/notify/push", "api/auth", "api/nats", "api/rest/requests",
                        HTTP_MESSAGE, "api/http/server.h"},
    "api/notify/email": {"api/notify/email", "api/notify/requests", "api/nats"},
    "api/notify/client": {"api/notify/client", "api/notify/email"},
    # The notifiers as their own processes: NATS in, the engine's API out
    # (through the client), the push hub and its server; not the routes.
    "api/notify/standalone": {"api/notify/standalone", "api/notify/client", "api/notify/email",
                              "api/notify/requests", "api/notify/push", "api/rest", "api/auth",
                              HTTP_MESSAGE, "api/http/server.h"},
    # The facade: the server's admission and handling over the routes.
    "api": {"api", "api/http", "api/auth", "api/rest", "api/rest/requests", "api/rest/routes",
            "api/notify/push"},
    # Start-up and shutdown wiring: everything but the commands above it.
    # Replication over a JetStream cluster: NATS and the store, nothing of HTTP.
    "api/replication": {"api/replication", "api/nats"},
    "api/engine": API_BELOW_ENGINE | {"api/engine"},
    "api/cli": API_BELOW_ENGINE | {"api/engine", "api/cli"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
NAMESPACE = re.compile(r'^\s*namespace\s+(orderly(?:::\w+)*)\s*\{')
SOURCES = (".h", ".hpp", ".cpp", ".cc")


def api_folder_of(path):
    """The deepest api module (a key of API_ALLOWED) holding `path`."""
    folder = os.path.dirname(path)
    while folder:
        if folder in API_ALLOWED:
            return folder
        folder = os.path.dirname(folder)
    return None


def api_allows(module, target):
    """Whether api module `module` may include the api header `target`."""
    allowed = API_ALLOWED[module]
    if target in allowed:
        return True
    owner = api_folder_of(target)
    return owner in allowed


def namespace_of(folder):
    """The namespace of api folder `folder` ("api/rest/routes" -> orderly::api::rest::routes)."""
    if folder == "api/cli":
        return "orderly::cli"
    return "orderly::" + folder.replace("/", "::")


def namespaces_allowed(module):
    """The namespaces api module `module` may open: its own and those of what it may include."""
    allowed = {namespace_of(x if x in API_ALLOWED else api_folder_of(x))
               for x in API_ALLOWED[module]}
    return allowed | {"orderly::" + m for m in ALLOWED["api"] if m != "api"}


def namespace_violations(rel, module, opened):
    """`opened`: (line, namespace) of each orderly namespace the file at `rel` opens."""
    if not opened:
        return []  # no namespace of ours (main.cpp)
    own = namespace_of(module)
    if own not in (ns for _, ns in opened):
        return [f"{rel}:{opened[0][0]}: {module} code must be in its namespace {own}"]
    allowed = namespaces_allowed(module)
    return [f"{rel}:{number}: {module} must not open namespace {ns}" for number, ns in opened
            if ns != own and ns not in allowed]


def violations(root):
    found = []
    for module, allowed in ALLOWED.items():
        for folder, _, files in os.walk(os.path.join(root, module)):
            if "node_modules" in folder:
                continue
            for name in files:
                if not name.endswith(SOURCES):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                api_module = api_folder_of(rel) if module == "api" else None
                opened = []
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        n = NAMESPACE.match(line)
                        if n:
                            opened.append((number, n.group(1)))
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        included = m.group(1)
                        target = included.split("/")[0]
                        if target in ALLOWED and target not in allowed:
                            found.append(f"{rel}:{number}: {module} must not include {included}")
                        elif (api_module and target == "api" and
                              not api_allows(api_module, included)):
                            found.append(f"{rel}:{number}: {api_module} must not include "
                                         f"{included}")
                if api_module:
                    found += namespace_violations(rel, api_module, opened)
    return found


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def expect(files, wanted):
    """Checks a made-up tree finds exactly the violations at `wanted` (file:line)."""
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(tmp, files)
        found = violations(tmp)
        where = sorted(v.split(": ")[0] for v in found)
        if where != sorted(wanted):
            sys.exit(f"self-test: expected violations at {sorted(wanted)}, got {found}")


def self_test():
    # Between the top-level modules.
    expect({
        "core/x.cpp": '#include "core/uuid.h"\n',
        "projections/x.cpp": '#include "eventstore/store.h"\n#include "commands/order.h"\n',
        "api/x.cpp": '#include "projections/stats.h"\n',
    }, ["projections/x.cpp:2"])
    # Inside api/: what is allowed passes.
    expect({
        "api/rest/routes/orders.cpp": '#include "api/rest/routes/context.h"\n'
                                      '#include "api/rest/requests/orders.h"\n'
                                      '#include "api/rest/call.h"\n'
                                      '#include "api/http/message.h"\n'
                                      '#include "api/notify/push/ws_hub.h"\n'
                                      '#include "api/oidc/provider.h"\n'
                                      '#include "api/images/image_store.h"\n'
                                      '#include "api/payments/webhook_signature.h"\n'
                                      '#include "projections/orders.h"\n',
        "api/images/s3/s3_image_store.cpp": '#include "api/images/image_store.h"\n',
        "api/engine/images.cpp": '#include "api/images/s3/s3_image_store.h"\n'
                                 '#include "api/payments/provider/dispatcher.h"\n',
        "api/payments/provider/dispatcher.cpp": '#include "api/payments/secret_file.h"\n',
        "api/payments/provider/provider_client.cpp": '#include "api/curl/url_check.h"\n',
        "api/images/s3/s3_location.cpp": '#include "api/curl/body_sink.h"\n',
        "api/oidc/http_fetch.cpp": '#include "api/curl/curl_init.h"\n',
        "api/oidc/id_token.cpp": '#include "api/oidc/jwk.h"\n#include "api/auth/jwt.h"\n',
        "api/http/server.cpp": '#include "api/http/server.h"\n#include "core/status.h"\n',
        "api/engine/engine.cpp": '#include "api/fanout/nats_fanout.h"\n'
                                 '#include "api/notify/email/email_notifier.h"\n',
        "api/cli/cmd_serve.cpp": '#include "api/engine/engine.h"\n#include "api/api.h"\n',
        "api/api.cpp": '#include "api/rest/routes/context.h"\n',
    }, [])
    # Inside api/: each rule catches its wrong include.
    expect({
        "api/rest/routes/a.cpp": '#include "api/nats/jetstream.h"\n'          # 1: NATS
                                 '#include "api/fanout/nats_fanout.h"\n'      # 2: fan-out
                                 '#include "api/notify/email/email.h"\n'      # 3: libcurl
                                 '#include "api/http/server.h"\n'             # 4: server internals
                                 '#include "api/engine/engine.h"\n'           # 5: above it
                                 '#include "api/notify/push/ws_hub_impl.h"\n'  # 6: not the header
                                 '#include "api/oidc/curl_provider.h"\n'  # 7: libcurl
                                 '#include "api/images/s3/s3_image_store.h"\n',  # 8: libcurl
        "api/http/server.cpp": '#include "api/rest/call.h"\n',               # REST in the server
        "api/rest/router.cpp": '#include "api/rest/routes/context.h"\n',     # up to the routes
        "api/rest/requests/orders.cpp": '#include "api/rest/call.h"\n',      # parsers stay pure
        "api/engine/engine.cpp": '#include "api/cli/commands.h"\n',          # cli is the top
        "api/notify/push/ws_hub.cpp": '#include "api/rest/routes/context.h"\n',
        "api/api.cpp": '#include "api/engine/engine.h"\n',
        "api/oidc/jwk.cpp": '#include "api/rest/call.h"\n',                 # oidc stays below REST
        "api/images/image_store.h": '#include "api/images/s3/s3_location.h"\n',  # s3 is above
        "api/rest/routes/pay.cpp": '#include "api/payments/secret_file.h"\n'  # only the signature
                                   '#include "api/payments/provider/dispatcher.h"\n',  # libcurl
        "api/payments/webhook_signature.cpp": '#include "api/rest/problem.h"\n'  # below REST
                                              '#include "api/payments/provider/dispatcher.h"\n',
        "api/rest/routes/fetch.cpp": '#include "api/curl/url_check.h"\n',  # libcurl's folder
        "api/images/image_file.cpp": '#include "api/curl/body_sink.h"\n',  # images: no libcurl
        "api/curl/body_sink.cpp": '#include "api/oidc/http_fetch.h"\n',  # shared: below its users
    }, ["api/rest/routes/fetch.cpp:1", "api/images/image_file.cpp:1", "api/curl/body_sink.cpp:1",
        "api/rest/routes/pay.cpp:1", "api/rest/routes/pay.cpp:2", "api/payments/webhook_signature.cpp:1",
        "api/payments/webhook_signature.cpp:2", "api/rest/routes/a.cpp:1", "api/rest/routes/a.cpp:8", "api/images/image_store.h:1", "api/rest/routes/a.cpp:2", "api/rest/routes/a.cpp:3",
        "api/rest/routes/a.cpp:4", "api/rest/routes/a.cpp:5", "api/rest/routes/a.cpp:6",
        "api/rest/routes/a.cpp:7", "api/oidc/jwk.cpp:1",
        "api/http/server.cpp:1", "api/rest/router.cpp:1", "api/rest/requests/orders.cpp:1",
        "api/engine/engine.cpp:1", "api/notify/push/ws_hub.cpp:1", "api/api.cpp:1"])


def main():
    self_test()
    found = violations(sys.argv[1])
    for v in found:
        print(v)
    if found:
        sys.exit(f"{len(found)} include(s) or namespace(s) against the layering")
    print("layering: every include goes down the layers; every api folder is its own namespace")


if __name__ == "__main__":
    main()
