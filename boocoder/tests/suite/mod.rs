mod agent_writes;
mod basics;
mod dispatcher;
mod edge;
mod kill;
mod metrics;
mod qwen;
mod turns;
