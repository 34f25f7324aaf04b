using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Loader;

namespace Sandbox.Sentry.Kernel;

/// <summary>Starting a process the sandbox was asked to run (not one an application forked): execvp's lookup, then execve.</summary>
public static class FirstProgram
{
    /// <summary>
    /// Execs <paramref name="argv"/> in <paramref name="task"/>. On failure: the reason and the
    /// shell's exit code for it (127 not found, 126 not executable).
    /// </summary>
    public static bool Exec(Task task, IReadOnlyList<string> argv, IReadOnlyList<string> env, out ExecError? error, out int code)
    {
        error = null; code = 0;
        string program = argv[0];
        string? path = Find(task, program, env);
        if (path == null)
        {
            error = new ExecError(-(int)Errno.ENOENT, $"{program}: command not found");
            code = 127;
            return false;
        }
        int r = Sandbox.Sentry.Kernel.Exec.Run(task, path, argv, env, out var err);
        if (r < 0)
        {
            error = err;
            code = r == -(int)Errno.ENOENT ? 127 : 126;
            return false;
        }
        return true;
    }

    /// <summary>execvp's lookup: a name without a slash is searched in the sandbox's PATH.</summary>
    private static string? Find(Task task, string program, IReadOnlyList<string> env)
    {
        if (program.Contains('/')) return program;
        string pathVar = env.FirstOrDefault(e => e.StartsWith("PATH=", StringComparison.Ordinal))?[5..]
                         ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (var dir in pathVar.Split(':'))
        {
            string candidate = (dir.Length == 0 ? "." : dir) + "/" + program;
            if (task.Kernel.Vfs.Resolve(task.Root, task.Cwd, candidate, true, out var loc) == 0 && FileMode.IsReg(loc.Inode.Mode))
                return candidate;
        }
        return null;
    }
}
