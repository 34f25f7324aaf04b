using System.Runtime.InteropServices;
using Sandbox.Linux;
using Sandbox.Linux.Abi;
using Sandbox.Sentry.Memory;
using Sandbox.Sentry.Vfs;

namespace Sandbox.Sentry.Loader;

/// <summary>Why an exec failed, in words for the person who ran the command.</summary>
public readonly record struct ExecError(int Errno, string Message);

/// <summary>
/// Loads an ELF64 x86-64 executable (static, static-PIE or dynamic with PT_INTERP) into a
/// task's address space and builds its initial stack (execve(2), binfmt_elf).
/// </summary>
public static unsafe class ElfLoader
{
    private sealed class Image
    {
        public required Elf64Ehdr Header;
        public required Elf64Phdr[] Phdrs;
        public ulong Bias;
        public ulong PhdrAddr;
        public ulong End;
    }

    /// <summary>
    /// Replaces the task's program. Returns 0, or -errno with <paramref name="error"/> saying
    /// what was wrong with the file.
    /// </summary>
    public static int Load(Kernel.Task t, MemoryManager mm, Platform.IContext ctx, string path, IReadOnlyList<string> argv,
        IReadOnlyList<string> envp, out ExecError error, out UserRegs initialRegs, out Credentials creds, out Location exe)
    {
        error = default;
        initialRegs = default;
        creds = t.Creds;
        exe = default;
        int r = OpenExecutable(t, path, out var file, out error);
        if (r < 0) return r;
        exe = file!.Location!.Value;
        try
        {
            file!.Stat(out var fst);
            creds = ExecCredentials.Compute(t.Creds, fst.Mode, fst.Uid, fst.Gid, t.NoNewPrivs);
            r = ReadImage(file!, path, out var main, out string? interpPath, out error);
            if (r < 0) return r;
            Image? interp = null;
            FileDescription? interpFile = null;
            if (interpPath != null)
            {
                r = OpenExecutable(t, interpPath, out interpFile, out error);
                if (r < 0) { error = new ExecError(r, $"{path}: interpreter {interpPath}: {error.Message}"); return r; }
                r = ReadImage(interpFile!, interpPath, out interp, out string? nested, out error);
                if (r < 0) return r;
                if (nested != null || interp!.Header.Type != Elf.ET_DYN)
                {
                    error = new ExecError(-(int)Errno.ELIBBAD, $"{interpPath}: not a usable ELF interpreter");
                    return -(int)Errno.ELIBBAD;
                }
            }

            main!.Bias = main.Header.Type == Elf.ET_DYN ? Layout.DynBase : 0;
            r = MapSegments(mm, file!, main, out error, path);
            if (r < 0) return r;
            mm.InitBrk(Layout.PageRoundUp(main.End));
            if (interp != null)
            {
                ulong span = Span(interp);
                long at = mm.Map(0, span, Prot.NONE, MemoryManager.Placement.Hint, false);
                if (at < 0) { error = new ExecError((int)at, "no room for the interpreter"); return (int)at; }
                mm.Unmap((ulong)at, span);
                interp.Bias = (ulong)at - Layout.PageRoundDown(MinVaddr(interp));
                r = MapSegments(mm, interpFile!, interp, out error, interpPath!);
                if (r < 0) return r;
            }

            ulong stackSize = Math.Min(t.Rlimits[Rlimit.STACK].Cur, 8UL << 20);
            if (stackSize < (128UL << 10)) stackSize = 128UL << 10;
            long st = mm.Map(Layout.StackTop - stackSize, stackSize, Prot.READ | Prot.WRITE, MemoryManager.Placement.Fixed, false, "[stack]", growsDown: true);
            if (st < 0) { error = new ExecError((int)st, "cannot map the stack"); return (int)st; }

            ulong entry = main.Header.Entry + main.Bias;
            var stack = new StackBuilder(mm, Layout.StackTop);
            ulong sp = stack.Build(argv, envp, path, new[]
            {
                (Auxv.AT_PHDR, main.PhdrAddr),
                (Auxv.AT_PHENT, (ulong)sizeof(Elf64Phdr)),
                (Auxv.AT_PHNUM, (ulong)main.Phdrs.Length),
                (Auxv.AT_PAGESZ, Layout.PageSize),
                (Auxv.AT_BASE, interp?.Bias ?? 0),
                (Auxv.AT_FLAGS, 0UL),
                (Auxv.AT_ENTRY, entry),
                (Auxv.AT_UID, (ulong)creds.Uid),
                (Auxv.AT_EUID, (ulong)creds.Euid),
                (Auxv.AT_GID, (ulong)creds.Gid),
                (Auxv.AT_EGID, (ulong)creds.Egid),
                (Auxv.AT_SECURE, ExecCredentials.Secure(t.Creds, creds) ? 1UL : 0UL),
                (Auxv.AT_HWCAP, HostAuxv.Get(Auxv.AT_HWCAP)),
                (Auxv.AT_HWCAP2, HostAuxv.Get(Auxv.AT_HWCAP2)),
                (Auxv.AT_CLKTCK, 100UL),
                (Auxv.AT_MINSIGSTKSZ, HostAuxv.Get(Auxv.AT_MINSIGSTKSZ)),
            });
            if (sp == 0) { error = new ExecError(-(int)Errno.E2BIG, "argument list too long"); return -(int)Errno.E2BIG; }

            var regs = ctx.InitialRegisters();
            regs.Rip = interp != null ? interp.Header.Entry + interp.Bias : entry;
            regs.Rsp = sp;
            regs.OrigRax = ulong.MaxValue;
            initialRegs = regs;
            interpFile?.DecRef();
            return 0;
        }
        finally
        {
            file!.DecRef();
        }
    }

    internal static int OpenExecutable(Kernel.Task t, string path, out FileDescription? file, out ExecError error)
    {
        file = null;
        error = default;
        int r = t.Kernel.Vfs.Resolve(t.Root, t.Cwd, path, true, out var loc, t.Creds);
        if (r < 0) { error = new ExecError(r, $"{path}: {ErrnoText.Message(-r)}"); return r; }
        if (!FileMode.IsReg(loc.Inode.Mode)) { error = new ExecError(-(int)Errno.EACCES, $"{path}: {(loc.Inode.IsDirectory ? "Is a directory" : "not a regular file")}"); return -(int)Errno.EACCES; }
        r = Permissions.Check(loc.Inode, Access.X_OK, t.Creds);
        if (r < 0) { error = new ExecError(r, $"{path}: Permission denied (not executable)"); return r; }
        r = loc.Inode.Open(OpenFlags.O_RDONLY, out file);
        if (r < 0) { error = new ExecError(r, $"{path}: {ErrnoText.Message(-r)}"); return r; }
        file!.Location = loc;
        return 0;
    }

    private static int ReadImage(FileDescription file, string path, out Image? image, out string? interp, out ExecError error)
    {
        image = null; interp = null; error = default;
        Elf64Ehdr h;
        long n = file.Read(new Span<byte>(&h, sizeof(Elf64Ehdr)), 0);
        if (n < 4 || h.Ident[0] != 0x7f || h.Ident[1] != (byte)'E' || h.Ident[2] != (byte)'L' || h.Ident[3] != (byte)'F')
            return Fail(out error, Errno.ENOEXEC, $"{path}: not an ELF executable (cannot run it)");
        if (n < sizeof(Elf64Ehdr) || h.Ident[4] != Elf.ELFCLASS64)
            return Fail(out error, Errno.ENOEXEC, $"{path}: a 32-bit ELF file; the sandbox runs x86-64 programs only");
        if (h.Ident[5] != Elf.ELFDATA2LSB || h.Machine != Elf.EM_X86_64)
            return Fail(out error, Errno.ENOEXEC, $"{path}: an ELF file for machine {h.Machine}, not x86-64");
        if (h.Type is not (Elf.ET_EXEC or Elf.ET_DYN))
            return Fail(out error, Errno.ENOEXEC, $"{path}: ELF type {h.Type} is not an executable");
        if (h.Phentsize != sizeof(Elf64Phdr) || h.Phnum == 0 || h.Phnum > 128)
            return Fail(out error, Errno.ENOEXEC, $"{path}: bad ELF program headers");
        var ph = new Elf64Phdr[h.Phnum];
        fixed (Elf64Phdr* p = ph)
        {
            int len = h.Phnum * sizeof(Elf64Phdr);
            if (file.Read(new Span<byte>(p, len), (long)h.Phoff) != len)
                return Fail(out error, Errno.ENOEXEC, $"{path}: truncated ELF program headers");
        }
        foreach (var p in ph)
        {
            if (p.Type == Elf.PT_INTERP)
            {
                if (p.Filesz is < 2 or > 4096) return Fail(out error, Errno.ENOEXEC, $"{path}: bad PT_INTERP");
                var buf = new byte[p.Filesz];
                if (file.Read(buf, (long)p.Offset) != buf.Length) return Fail(out error, Errno.ENOEXEC, $"{path}: truncated PT_INTERP");
                interp = System.Text.Encoding.UTF8.GetString(buf).TrimEnd('\0');
            }
            if (p.Type == Elf.PT_LOAD && (p.Filesz > p.Memsz || (p.Align > 1 && (p.Vaddr - p.Offset) % Layout.PageSize != 0)))
                return Fail(out error, Errno.ENOEXEC, $"{path}: bad PT_LOAD segment");
        }
        if (!ph.Any(p => p.Type == Elf.PT_LOAD)) return Fail(out error, Errno.ENOEXEC, $"{path}: no loadable segments");
        image = new Image { Header = h, Phdrs = ph };
        return 0;
    }

    private static int Fail(out ExecError error, Errno e, string message)
    {
        error = new ExecError(-(int)e, message);
        return -(int)e;
    }

    private static ulong MinVaddr(Image im) => im.Phdrs.Where(p => p.Type == Elf.PT_LOAD).Min(p => p.Vaddr);

    private static ulong Span(Image im)
        => Layout.PageRoundUp(im.Phdrs.Where(p => p.Type == Elf.PT_LOAD).Max(p => p.Vaddr + p.Memsz)) - Layout.PageRoundDown(MinVaddr(im));

    private static int MapSegments(MemoryManager mm, FileDescription file, Image im, out ExecError error, string path)
    {
        error = default;
        ulong mappedEnd = 0;
        foreach (var p in im.Phdrs.Where(p => p.Type == Elf.PT_LOAD).OrderBy(p => p.Vaddr))
        {
            ulong va = p.Vaddr + im.Bias;
            ulong start = Layout.PageRoundDown(va), end = Layout.PageRoundUp(va + p.Memsz);
            int prot = ((p.Flags & Elf.PF_R) != 0 ? Prot.READ : 0) | ((p.Flags & Elf.PF_W) != 0 ? Prot.WRITE : 0) | ((p.Flags & Elf.PF_X) != 0 ? Prot.EXEC : 0);
            bool sharesPage = start < mappedEnd;
            ulong mapFrom = sharesPage ? mappedEnd : start;
            if (end > mapFrom)
            {
                long r = mm.Map(mapFrom, end - mapFrom, prot, MemoryManager.Placement.Fixed, false, path);
                if (r < 0) { error = new ExecError((int)r, $"{path}: cannot map segment at 0x{va:x}"); return (int)r; }
            }
            if (sharesPage)
            {
                var prev = mm.Find(start)!;
                mm.Protect(start, Layout.PageSize, prev.Prot | prot);
            }
            // Copy the file's bytes as mmap would show them: from the page start unless the page is shared.
            ulong copyFrom = sharesPage ? va : start;
            ulong fileOff = p.Offset - (va - copyFrom);
            ulong count = p.Filesz + (va - copyFrom);
            if (count > 0)
            {
                long r = ReadInto(mm, file, copyFrom, fileOff, count);
                if (r < 0) { error = new ExecError((int)r, $"{path}: cannot read segment"); return (int)r; }
            }
            if (p.Offset <= im.Header.Phoff && im.Header.Phoff + (ulong)(im.Header.Phnum * sizeof(Elf64Phdr)) <= p.Offset + p.Filesz)
                im.PhdrAddr = va + (im.Header.Phoff - p.Offset);
            mappedEnd = Math.Max(mappedEnd, end);
            im.End = Math.Max(im.End, va + p.Memsz);
        }
        var phdr = im.Phdrs.FirstOrDefault(p => p.Type == Elf.PT_PHDR);
        if (phdr.Type == Elf.PT_PHDR) im.PhdrAddr = phdr.Vaddr + im.Bias;
        return 0;
    }

    /// <summary>Reads file bytes straight into application memory, whatever its protection.</summary>
    private static long ReadInto(MemoryManager mm, FileDescription file, ulong addr, ulong fileOff, ulong count)
    {
        ulong done = 0;
        while (done < count)
        {
            var v = mm.Find(addr + done);
            if (v == null) return -(long)Errno.EFAULT;
            ulong n = Math.Min(count - done, v.End - (addr + done));
            n = Math.Min(n, 1UL << 30);
            var span = mm.File.Span(v.FileOffset + (long)(addr + done - v.Start), (int)n);
            long r = file.Read(span, (long)(fileOff + done));
            if (r < 0) return r;
            if (r == 0) break; // a short file reads as zeros, as a mapping past EOF would fault; be lenient
            done += (ulong)r;
        }
        return 0;
    }
}

/// <summary>The host's auxiliary vector values the sandbox passes on (CPU capabilities).</summary>
internal static partial class HostAuxv
{
    [LibraryImport("libc", EntryPoint = "getauxval")]
    private static partial ulong getauxval(ulong type);

    public static ulong Get(ulong type) => getauxval(type);
}
