using System.Text;

namespace Sandbox.Sentry.Vfs.Proc;

/// <summary>/proc/sysvipc/{shm,sem,msg}: the IPC namespace's objects, in ipc/*.c's sysvipc_*_proc_show formats.</summary>
internal static class SysvIpcFiles
{
    public static Inode Dir(ProcFilesystem fs, Kernel.Kernel k)
    {
        // --ipc host: the objects are the host's, so the tables are too.
        ProcFile F(string name, Func<string> text) => ProcFile.Text(fs, ProcFilesystem.Ino("/sysvipc/" + name),
            k.Options.Ipc == Kernel.Ipc.IpcMode.Host ? () => Linux.Native.HostProc.ReadAllText("sysvipc/" + name) ?? "" : text);
        var files = new Dictionary<string, Func<Inode>>
        {
            ["shm"] = () => F("shm", () => Shm(k)),
            ["sem"] = () => F("sem", () => Sem(k)),
            ["msg"] = () => F("msg", () => Msg(k)),
        };
        return ProcDir.Fixed(fs, ProcFilesystem.Ino("/sysvipc"), files);
    }

    private static string Shm(Kernel.Kernel k)
    {
        var sb = new StringBuilder("       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n");
        var shm = k.Ipc.Shm;
        lock (shm.Registry.Lock)
            foreach (var s in shm.Registry.All)
                sb.Append($"{s.Key,10} {s.Id,10}  {Convert.ToString(s.Mode, 8),4} {s.Size,21} {s.Cpid,5} {s.Lpid,5}  {s.Nattch,5} {s.Uid,5} {s.Gid,5} {s.Cuid,5} {s.Cgid,5} {s.Atime,10} {s.Dtime,10} {s.Ctime,10} {shm.ResidentBytes(s),21} {0,21}\n");
        return sb.ToString();
    }

    private static string Sem(Kernel.Kernel k)
    {
        var sb = new StringBuilder("       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
        var sem = k.Ipc.Sem;
        lock (sem.Registry.Lock)
            foreach (var s in sem.Registry.All)
                sb.Append($"{s.Key,10} {s.Id,10}  {Convert.ToString(s.Mode, 8),4} {s.Nsems,10} {s.Uid,5} {s.Gid,5} {s.Cuid,5} {s.Cgid,5} {s.Otime,10} {s.Ctime,10}\n");
        return sb.ToString();
    }

    private static string Msg(Kernel.Kernel k)
    {
        var sb = new StringBuilder("       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n");
        var msg = k.Ipc.Msg;
        lock (msg.Registry.Lock)
            foreach (var q in msg.Registry.All)
                sb.Append($"{q.Key,10} {q.Id,10}  {Convert.ToString(q.Mode, 8),4}  {q.Cbytes,10} {q.Messages.Count,10} {q.Lspid,5} {q.Lrpid,5} {q.Uid,5} {q.Gid,5} {q.Cuid,5} {q.Cgid,5} {q.Stime,10} {q.Rtime,10} {q.Ctime,10}\n");
        return sb.ToString();
    }
}
