using Grpc.Core;

namespace Sandbox.Shim;

/// <summary>gRPC status errors with the codes the CRI expects.</summary>
public static class Errors
{
    public static RpcException NotFound(string m) => new(new Status(StatusCode.NotFound, m));
    public static RpcException InvalidArgument(string m) => new(new Status(StatusCode.InvalidArgument, m));
    public static RpcException FailedPrecondition(string m) => new(new Status(StatusCode.FailedPrecondition, m));
    public static RpcException AlreadyExists(string m) => new(new Status(StatusCode.AlreadyExists, m));
    public static RpcException Unimplemented(string m) => new(new Status(StatusCode.Unimplemented, m));
    public static RpcException Unavailable(string m) => new(new Status(StatusCode.Unavailable, m));
    public static RpcException DeadlineExceeded(string m) => new(new Status(StatusCode.DeadlineExceeded, m));
    public static RpcException Internal(string m) => new(new Status(StatusCode.Internal, m));
}
