mod basics;
mod dispatcher;
mod kill;
mod metrics;
mod qwen;
mod turns;
