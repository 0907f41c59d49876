mod basics;
mod dispatcher;
