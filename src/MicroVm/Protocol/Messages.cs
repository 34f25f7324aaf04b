// The host <-> guest agent protocol. This file is compiled into both Sandbox.MicroVm (host) and
// Sandbox.MicroVm.Agent (guest), so it must stay dependency-free and AOT-clean.
//
// Wire format (all integers little-endian):
//   frame   = u32 length | payload            (length = payload size, 6 .. MaxPayload)
//   payload = u8 version | u8 kind | u32 id | body
// `id` pairs a request with its reply (the reply carries the request's id); events that the
// agent sends on its own (Ready, Output, Exited) carry id 0. Body fields, in the order of the
// record's parameters: u8, i32, i64 as fixed-size integers; string = u32 byte count + UTF-8;
// bytes = u32 count + data; string list = u32 count + strings; bool = u8 0 or 1. A body with trailing bytes, a
// count past the limits, invalid UTF-8 or an unknown kind is malformed: the decoder throws
// ProtocolException and the receiver answers Error (the agent never crashes on input).
namespace Sandbox.MicroVm.Protocol;

public enum MessageKind : byte
{
    // requests (host -> agent)
    Hello = 1,
    CreateContainer = 2,
    Exec = 3,
    Stdin = 4,
    Signal = 5,
    Wait = 6,
    Stats = 7,
    Shutdown = 8,
    DestroyContainer = 9,
    ResizeTty = 10,

    // replies (agent -> host, id = the request's)
    Ok = 64,
    Error = 65,
    HelloReply = 66,
    ExecStarted = 67,
    WaitResult = 68,
    StatsReply = 69,

    // events (agent -> host, id = 0)
    Ready = 96,
    Output = 97,
    Exited = 98,
}

public abstract record Message
{
    public abstract MessageKind Kind { get; }
}

/// <summary>First request of a session: the host says which protocol version it speaks.</summary>
public sealed record Hello(uint Version) : Message { public override MessageKind Kind => MessageKind.Hello; }

/// <summary>A container: its own mount, UTS and IPC namespaces, chrooted into Rootfs (a guest
/// path; the VM's shared rootfs is mounted at /run/sandbox/rootfs), with fresh /proc, /dev, /tmp.
/// WritableRoot puts an overlay with an in-memory upper layer over Rootfs (else it stays
/// read-only). MaskedPaths get /dev/null (files) or an empty read-only tmpfs (directories) over
/// them, ReadonlyPaths a read-only bind mount; paths that do not exist are skipped. Sysctls
/// ("key=value", key as in sysctl(8), dots or slashes) are written to the container's
/// /proc/sys before ReadonlyPaths apply (IPC ones are the container's own namespace's, net ones
/// the VM's: the VM is the pod). Security applies to every process of the container. Mounts
/// are bind mounts into the container, in order, after /proc, /dev, /tmp and /run and before
/// the masked and read-only paths (runc's order). Pid says which PID namespace its processes
/// live in (see PidMode).</summary>
public sealed record CreateContainer(string ContainerId, string Rootfs, string Hostname,
    bool WritableRoot = false, IReadOnlyList<string>? MaskedPaths = null, IReadOnlyList<string>? ReadonlyPaths = null,
    IReadOnlyList<string>? Sysctls = null, ProcessSecurity? Security = null, IReadOnlyList<ContainerMount>? Mounts = null,
    PidMode Pid = PidMode.Pod) : Message
{ public override MessageKind Kind => MessageKind.CreateContainer; }

/// <summary>A recursive bind mount of Source (a guest path: usually inside the pod's volume
/// share, /run/sandbox/volumes) at Destination in the container, created there (a directory, or
/// an empty file for a file) when missing; ReadOnly remounts it read-only.</summary>
public sealed record ContainerMount(string Source, string Destination, bool ReadOnly);

/// <summary>
/// The PID namespace of a container (the CRI's NamespaceOption.pid, same numbers). Container: its
/// own, whose PID 1 is the program of the container's first Exec (its /proc shows that namespace;
/// when PID 1 ends the kernel kills the rest). Pod: one namespace shared by every Pod container of
/// the VM, with a holder of the agent's as PID 1 (Kubernetes' pause). Node: the VM's own (the VM
/// is the node), where the agent is PID 1. Any other value is refused (Error EINVAL).
/// </summary>
public enum PidMode : byte { Pod = 0, Container = 1, Node = 2 }

/// <summary>
/// The identity and privileges of a container's processes, applied as runc applies an OCI
/// process: supplementary Groups, then Gid and Uid (setgroups, setresgid, setresuid, keeping the
/// permitted set across the switch with PR_SET_KEEPCAPS); every capability not in Capabilities
/// dropped from the bounding set (PR_CAPBSET_DROP) and the permitted and effective sets limited
/// to them (a root program gets exactly these after execve, another user none but the Ambient
/// ones, which must be a subset); NoNewPrivs sets PR_SET_NO_NEW_PRIVS; Seccomp, when not empty,
/// is a classic-BPF program (struct sock_filter array, 8 bytes per instruction) loaded with
/// seccomp(2) last before the program runs. Bits over the guest kernel's last capability are
/// ignored, so AllCapabilities keeps every one.
/// </summary>
public sealed record ProcessSecurity(uint Uid, uint Gid, IReadOnlyList<uint> Groups, ulong Capabilities, ulong Ambient, bool NoNewPrivs, byte[] Seccomp)
{
    public const ulong AllCapabilities = ulong.MaxValue;
    /// <summary>Root with every capability, no seccomp: what a container gets when it asks for nothing.</summary>
    public static readonly ProcessSecurity Root = new(0, 0, [], AllCapabilities, 0, false, []);
}

/// <summary>Run a process in a container (the first one is the container's "start"). With Tty
/// the process gets a pseudo-terminal of the container (its /dev/pts) as stdin, stdout and
/// stderr and is the foreground process group of a new session; its output then comes as
/// stream 1 only, and closing stdin sends the terminal's EOF character.</summary>
public sealed record Exec(string ContainerId, string ExecId, IReadOnlyList<string> Argv, IReadOnlyList<string> Env, string Cwd,
    bool Tty = false, int Rows = 0, int Cols = 0) : Message
{ public override MessageKind Kind => MessageKind.Exec; }

/// <summary>New size of an exec's terminal (TIOCSWINSZ: the process gets SIGWINCH).</summary>
public sealed record ResizeTty(string ExecId, int Rows, int Cols) : Message { public override MessageKind Kind => MessageKind.ResizeTty; }

/// <summary>Bytes for the process's stdin; an empty Data closes it.</summary>
public sealed record Stdin(string ExecId, byte[] Data) : Message { public override MessageKind Kind => MessageKind.Stdin; }

public sealed record Signal(string ExecId, int Signo) : Message { public override MessageKind Kind => MessageKind.Signal; }

/// <summary>Answered (WaitResult) when the process has exited and all its output was sent.</summary>
public sealed record Wait(string ExecId) : Message { public override MessageKind Kind => MessageKind.Wait; }

public sealed record Stats : Message { public override MessageKind Kind => MessageKind.Stats; }

/// <summary>Kill every container, sync and power the VM off (QEMU then exits).</summary>
public sealed record Shutdown : Message { public override MessageKind Kind => MessageKind.Shutdown; }

public sealed record DestroyContainer(string ContainerId) : Message { public override MessageKind Kind => MessageKind.DestroyContainer; }

public sealed record Ok : Message { public override MessageKind Kind => MessageKind.Ok; }

/// <summary>A request failed. Code is an errno value where one applies (ENOENT, EEXIST, ...),
/// EPROTO (71) for malformed messages, EINVAL (22) for bad arguments.</summary>
public sealed record Error(int Code, string Text) : Message { public override MessageKind Kind => MessageKind.Error; }

public sealed record HelloReply(uint Version, string KernelRelease, string Agent) : Message
{ public override MessageKind Kind => MessageKind.HelloReply; }

/// <summary>Pid is the process's pid in the VM's (outer) PID namespace.</summary>
public sealed record ExecStarted(int Pid) : Message { public override MessageKind Kind => MessageKind.ExecStarted; }

/// <summary>ExitCode is the exit status, or 128+Signo when a signal killed the process.</summary>
public sealed record WaitResult(int ExitCode, int Signo) : Message { public override MessageKind Kind => MessageKind.WaitResult; }

public sealed record StatsReply(long MemTotalKiB, long MemAvailableKiB, long UptimeMs, int Containers, int Processes, string LoadAvg) : Message
{ public override MessageKind Kind => MessageKind.StatsReply; }

/// <summary>Sent once when the agent is serving. BootMs is the guest's uptime at that point.</summary>
public sealed record Ready(uint Version, string KernelRelease, long BootMs) : Message { public override MessageKind Kind => MessageKind.Ready; }

/// <summary>Stream 1 = stdout, 2 = stderr; an empty Data is that stream's end.</summary>
public sealed record Output(string ExecId, byte Stream, byte[] Data) : Message { public override MessageKind Kind => MessageKind.Output; }

public sealed record Exited(string ExecId, int ExitCode, int Signo) : Message { public override MessageKind Kind => MessageKind.Exited; }

public sealed class ProtocolException(string message) : Exception(message);
