mod agent_writes;
mod basics;
mod dispatcher;
mod edge;
mod kill;
mod qwen;
mod turns;
