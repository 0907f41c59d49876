mod basics;
mod grpc;
mod restart;
mod stream;
mod support;
mod terminals;
