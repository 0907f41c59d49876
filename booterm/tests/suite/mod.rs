mod basics;
mod edge;
mod grpc;
mod restart;
mod stream;
mod support;
mod terminals;
