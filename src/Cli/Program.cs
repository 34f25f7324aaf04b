using Sandbox.Cli;

return args.Length == 0 ? Usage.Print(Console.Error, 2) : args[0] switch
{
    "run" => RunCommand.Execute(args[1..]),
    "compare" => CompareCommand.Execute(args[1..]),
    "microvm" => MicroVmCommand.Execute(args[1..]),
    "cri" => CriCommand.Execute(args[1..]),
    "gofer" => GoferCommand.Execute(args[1..]),
    "pod" => Sandbox.Cli.Pod.PodCommand.Execute(args[1..]),
    "image" => ImageCommand.Execute(args[1..]),
    "help" or "--help" or "-h" => Usage.Print(Console.Out, 0),
    "version" or "--version" => Version(),
    _ => Usage.Fail($"unknown command '{args[0]}'"),
};

static int Version()
{
    Console.WriteLine($"sandbox {typeof(RunCommand).Assembly.GetName().Version}");
    return 0;
}
