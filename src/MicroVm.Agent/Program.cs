using Sandbox.MicroVm.Agent;

// /init of the MicroVm. With no arguments (as the kernel starts it) it is the agent, PID 1 of the
// VM. The same binary is re-executed by the agent for the steps that must happen in a fresh
// process: entering namespaces cannot be done safely from the multi-threaded agent itself.
try
{
    return args.Length > 0 ? args[0] switch
    {
        "__container" => Helpers.Container(args[1..]),
        "__cinit" => Helpers.ContainerInit(args[1..]),
        "__exec" => Helpers.Exec(args[1..], tty: false),
        "__exec-tty" => Helpers.Exec(args[1..], tty: true),
        "__pid1" => Helpers.Pid1(args[1..]),
        "__podpid" => Helpers.PodPidNamespace(),
        "__pause" => Helpers.Pause(),
        "--version" => Version(),
        _ => Agent.Run(args),
    } : Agent.Run(args);
}
catch (Exception e)
{
    Console.Error.WriteLine($"sandbox-agent: fatal: {e}");
    // __pid1 and __pause are PID 1 of a container's or the pod's namespace, not the VM's
    if (Environment.ProcessId == 1 && (args.Length == 0 || !args[0].StartsWith("__", StringComparison.Ordinal))) Agent.PowerOff();
    return 125;
}

static int Version()
{
    Console.WriteLine($"sandbox-agent protocol {Sandbox.MicroVm.Protocol.Codec.Version}");
    return 0;
}
