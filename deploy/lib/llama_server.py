#!/usr/bin/env python3
"""Run llama.cpp's own HTTP server (the `xllamacpp` wheel) in the foreground.

    llama_server.py --model <file.gguf> --host 127.0.0.1 --port <port>
                    [--ctx 2048] [--threads 2] [--alias <name>] [--parallel 1]
                    [--max-tokens -1]

`xllamacpp.Server(params)` starts llama-server's C++ HTTP server (the same code as the
`llama-server` binary: OpenAI-compatible /v1/chat/completions with `timings` in the
stream, /props with default_generation_settings.n_ctx, /health, /v1/models) on a
background thread of this process and returns once the model is loaded. This script
prints one line `listening <address>` to stdout and then sleeps until SIGTERM/SIGINT,
so a supervisor (deploy/lib/llama.sh, boo-testkit's llama helper) owns the process
like any other server. Used by deploy/dev (the default model when none is configured)
and by boochat's real-model tests.
"""

import argparse
import signal
import sys
import threading


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="path of the GGUF file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ctx", type=int, default=2048, help="context size (n_ctx)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=1, help="slots (n_parallel)")
    parser.add_argument("--alias", default=None, help="model id in /v1/models")
    parser.add_argument(
        "--max-tokens",
        type=int,
        default=-1,
        help="answer length when a request sets no max_tokens (n_predict; -1: no limit)",
    )
    args = parser.parse_args()

    import xllamacpp  # after argparse: --help works without the wheel

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    params.hostnames = [args.host]
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.n_predict = args.max_tokens
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.ui = False
    if args.alias:
        params.model_alias = {args.alias}

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    server = xllamacpp.Server(params)
    print(f"listening {server.listening_address}", flush=True)
    while not stop.wait(3600):
        pass
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
