mod basics;
mod dispatcher;
mod kill;
mod turns;
