using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Kernel;

/// <summary>
/// One container of a pod Sentry: a root of its own in the pod's mount tree (its image, its
/// /proc, /dev, /tmp and volumes) and the processes started in it. Processes forked inside
/// belong to the container of their parent. When its first process ends, every other process
/// of the container is killed, as in a PID namespace of its own (processes of other containers
/// of the pod go on).
/// </summary>
public sealed class Container
{
    public Container(string id, Location root) { Id = id; Root = root; }

    public string Id { get; }
    public Location Root { get; }

    /// <summary>The container's first process (Start); null before. Kernel lock.</summary>
    public ThreadGroup? Init { get; set; }

    /// <summary>What the container holds open (its Gofers), closed when it is destroyed.</summary>
    public List<IDisposable> Resources { get; } = new();
}
