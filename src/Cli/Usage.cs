namespace Sandbox.Cli;

internal static class Usage
{
    /// <summary>Exit code for errors of the sandbox itself (bad flags, no platform), as docker run uses.</summary>
    public const int SandboxError = 125;

    public const string Text = """
        usage: sandbox COMMAND [OPTIONS] -- PROGRAM [ARGS...]

        commands:
          run       run PROGRAM in the Sentry (default rootfs: the host's /, read-only)
          compare   run PROGRAM natively and in the sandbox on each platform; show differences
          gofer     serve a container's files over 9P2000.L, confined (sandbox gofer --help)
          pod       one Sentry for several containers, driven over a control socket
                    (sandbox pod --help)
          image     pull (with progress) and list images of the CRI server's image store
                    (sandbox image --help)
          version   print the version

        run options:
          --rootfs DIR          root filesystem (default /); the program's changes stay in memory
          --no-gofer            the Sentry reads the rootfs itself instead of through a confined
                                Gofer process over 9P (faster; the Sentry is then not confined)
          --read-only           no writable layer: writes to the rootfs answer EROFS
          --rootfs-writable     no in-memory layer: writes go to the --rootfs directory itself
                                (through the Gofer; never with the host's /)
          -v, --volume H:G[:ro] show host directory H at G, read-write unless :ro, through a
                                Gofer of its own (repeatable)
          --platform P          auto (default), ptrace or kvm
          --strace              print every system call with its arguments and result to stderr
          --debug-log FILE      write the Sentry's debug log to FILE (- for stderr)
          --cwd DIR             working directory inside the sandbox (default: the current one
                                when the rootfs is /, else /)
          --env K=V             set an environment variable (repeatable)
          --clear-env           start from an empty environment instead of the caller's
          --hostname NAME       hostname the program sees (default: the host's)
          --network MODE        sandbox (default): the Sentry's own TCP/IP stack, whose
                                sockets the host kernel never sees (loopback only without
                                --netns); none: loopback only, no external interface;
                                host: the host's own sockets (weaker isolation: the host
                                kernel's network code is exposed)
          --ipc MODE            sandbox (default): System V IPC (shm, sem, msg) in the
                                Sentry's own namespace; host: the host's objects, the calls
                                made on the host kernel by the Sentry (weaker isolation)
          --netns NAME|PATH     with --network sandbox: the stack takes over every interface
                                but lo of that network namespace (/var/run/netns/NAME, or a
                                path such as /proc/PID/ns/net): addresses, routes, MAC, MTU
          -t, --tty             run the program on a terminal of the sandbox's own (/dev/pts/0,
                                its controlling terminal); ours is put in raw mode and relayed
          --runtime R           sentry (default) or microvm: a light VM with its own kernel
                                (sandbox microvm --help has its own options)
          --vmm qemu|kvm        with --runtime microvm: QEMU (default) or the direct-KVM VMM
          --memory MIB, --cpus N  with --runtime microvm: the VM's memory and vCPUs
          -u, --user U[:G]      uid and gid (numbers, or names from the rootfs's /etc/passwd
                                and /etc/group) of the program
          --groups G1,G2        more supplementary groups
          --cap-add CAP         add a capability (CHOWN or CAP_CHOWN; ALL); repeatable
          --cap-drop CAP        drop one; ALL starts from none (then --cap-add); repeatable
          --cap-ambient CAP     also ambient, so a non-root --user keeps it; repeatable
          --no-new-privileges   set-user-ID programs gain nothing (no_new_privs)
          --seccomp-profile P   a seccomp profile (OCI linux.seccomp or docker JSON file),
                                runtime/default (built in) or unconfined
          --mount SPEC          type=bind,source=HOST,destination=PATH[,ro] (a directory or a
                                file) or type=tmpfs,destination=PATH; repeatable
          --tmpfs PATH          an empty tmpfs at PATH; repeatable
          --masked-path PATH    hide PATH: /dev/null over a file, an empty read-only directory
          --readonly-path PATH  make PATH read-only
          --sysctl KEY=VALUE    a namespaced sysctl (kernel.shm*, kernel.msg*, kernel.sem,
                                fs.mqueue.*, net.*), shown in /proc/sys; repeatable

        compare options: --platform P (repeatable; default every available platform),
          --ignore-stderr, and the run options above up to --runtime.

        exit status: the program's, 128+N if signal N killed it; 125 for sandbox errors,
        126 if the program cannot be executed, 127 if it is not found.
        """;

    public static int Print(TextWriter w, int code)
    {
        w.WriteLine(Text);
        return code;
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine($"sandbox: {message}");
        Console.Error.WriteLine("Try 'sandbox help'.");
        return SandboxError;
    }
}
