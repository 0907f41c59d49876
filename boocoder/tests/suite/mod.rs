mod agent_writes;
mod basics;
mod dispatcher;
mod kill;
mod qwen;
mod turns;
