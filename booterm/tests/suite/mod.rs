mod basics;
mod grpc;
mod metrics;
mod restart;
mod stream;
mod support;
mod terminals;
