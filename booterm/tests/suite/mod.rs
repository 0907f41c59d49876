mod basics;
mod edge;
mod grpc;
mod prune;
mod restart;
mod stream;
mod support;
mod terminals;
