using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Sandbox.P9;

// Through the Gofer (9P over a socketpair, one client) vs native host calls, in one run.
// usage: GoferBench [--size-mib N] [--files N] [--random-reads N] [--dir DIR]
int sizeMiB = 256, files = 10_000, randomReads = 20_000;
string? baseDir = null;
for (int i = 0; i < args.Length; i++)
{
    int Next() => int.TryParse(i + 1 < args.Length ? args[++i] : "", out int v) && v > 0 ? v : throw new ArgumentException($"{args[i - 1]} needs a positive number");
    switch (args[i])
    {
        case "--size-mib": sizeMiB = Next(); break;
        case "--files": files = Next(); break;
        case "--random-reads": randomReads = Next(); break;
        case "--dir": baseDir = i + 1 < args.Length ? args[++i] : throw new ArgumentException("--dir needs a directory"); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

string root = baseDir == null ? Directory.CreateTempSubdirectory("gofer-bench-").FullName
    : Directory.CreateDirectory(Path.Combine(baseDir, $"gofer-bench-{Environment.ProcessId}")).FullName;
try
{
    Console.WriteLine($"setting up {sizeMiB} MiB file and {files} small files in {root} ...");
    var chunk = new byte[1 << 20];
    new Random(1).NextBytes(chunk);
    using (var fs = File.Create(Path.Combine(root, "big")))
        for (int i = 0; i < sizeMiB; i++) fs.Write(chunk);
    Directory.CreateDirectory(Path.Combine(root, "many"));
    for (int i = 0; i < files; i++) File.WriteAllText(Path.Combine(root, "many", $"f{i}"), "x");

    string goferDll = Path.Combine(AppContext.BaseDirectory, "sandbox-gofer.dll");
    using var gofer = GoferProcess.Start(["dotnet", goferDll], root, readOnly: true, extraArgs: ["--donate-fds"]);
    var c = gofer.Client;
    uint r = c.Attach();
    Console.WriteLine($"Gofer pid {gofer.Process.Id}, msize {c.Msize}");

    long size = (long)sizeMiB << 20;
    var buf = new byte[1 << 20];
    string big = Path.Combine(root, "big");

    // Sequential read (page cache warm: both sides read it once first).
    double NativeSeq()
    {
        using var h = File.OpenHandle(big);
        var sw = Stopwatch.StartNew();
        for (long off = 0; off < size;) { int n = RandomAccess.Read(h, buf, off); if (n <= 0) break; off += n; }
        return size / sw.Elapsed.TotalSeconds / 1e6;
    }
    double GoferSeq()
    {
        uint f = c.Walk(r, "big");
        c.Open(f, 0);
        var sw = Stopwatch.StartNew();
        for (ulong off = 0; off < (ulong)size;) { int n = c.Read(f, off, buf); if (n <= 0) break; off += (ulong)n; }
        double mbs = size / sw.Elapsed.TotalSeconds / 1e6;
        c.Clunk(f);
        return mbs;
    }
    // The same through the host fd the Gofer donated with Rlopen (--donate-fds).
    double DonatedSeq()
    {
        uint f = c.Walk(r, "big");
        c.Open(f, 0, out var h);
        using (h)
        {
            var sw = Stopwatch.StartNew();
            for (long off = 0; off < size;) { int n = RandomAccess.Read(h!, buf, off); if (n <= 0) break; off += n; }
            double mbs = size / sw.Elapsed.TotalSeconds / 1e6;
            c.Clunk(f);
            return mbs;
        }
    }
    NativeSeq(); GoferSeq(); DonatedSeq();
    double nSeq = NativeSeq(), gSeq = GoferSeq(), dSeq = DonatedSeq();

    // Random 4 KiB reads.
    var rng = new Random(2);
    var offsets = Enumerable.Range(0, randomReads).Select(_ => (long)rng.NextInt64(size / 4096) * 4096).ToArray();
    var small = new byte[4096];
    double NativeRandom()
    {
        using var h = File.OpenHandle(big);
        var sw = Stopwatch.StartNew();
        foreach (var o in offsets) RandomAccess.Read(h, small, o);
        return sw.Elapsed.TotalMicroseconds / offsets.Length;
    }
    double GoferRandom()
    {
        uint f = c.Walk(r, "big");
        c.Open(f, 0);
        var sw = Stopwatch.StartNew();
        foreach (var o in offsets) c.Read(f, (ulong)o, small);
        double us = sw.Elapsed.TotalMicroseconds / offsets.Length;
        c.Clunk(f);
        return us;
    }
    double DonatedRandom()
    {
        uint f = c.Walk(r, "big");
        c.Open(f, 0, out var h);
        using (h)
        {
            var sw = Stopwatch.StartNew();
            foreach (var o in offsets) RandomAccess.Read(h!, small, o);
            double us = sw.Elapsed.TotalMicroseconds / offsets.Length;
            c.Clunk(f);
            return us;
        }
    }
    double nRand = NativeRandom(), gRand = GoferRandom(), dRand = DonatedRandom();

    // stat of many files: native fstatat by name; 9P Twalk + Tgetattr + Tclunk per file.
    string many = Path.Combine(root, "many");
    double NativeStat()
    {
        var sw = Stopwatch.StartNew();
        long total = 0;
        for (int i = 0; i < files; i++) total += new FileInfo(Path.Combine(many, $"f{i}")).Length;
        if (total != files) throw new Exception("bad sizes");
        return sw.Elapsed.TotalMicroseconds / files;
    }
    double GoferStat()
    {
        uint d = c.Walk(r, "many");
        var sw = Stopwatch.StartNew();
        ulong total = 0;
        for (int i = 0; i < files; i++)
        {
            uint f = c.Walk(d, $"f{i}");
            total += c.GetAttr(f).Size;
            c.Clunk(f);
        }
        if (total != (ulong)files) throw new Exception("bad sizes");
        return sw.Elapsed.TotalMicroseconds / files;
    }
    NativeStat(); GoferStat(); // warm: page cache, dentry cache, JIT on both sides
    double nStat = NativeStat(), gStat = GoferStat();

    // The same stat loop from 4 threads sharing the client (requests in flight at once).
    double GoferStatParallel()
    {
        uint d = c.Walk(r, "many");
        var sw = Stopwatch.StartNew();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            for (int i = t; i < files; i += 4) { uint f = c.Walk(d, $"f{i}"); c.GetAttr(f); c.Clunk(f); }
        });
        return sw.Elapsed.TotalMicroseconds / files;
    }
    double gStatPar = GoferStatParallel();

    // One round trip of each kind alone.
    (double Walk, double Getattr, double Clunk) RoundTrips()
    {
        uint d = c.Walk(r, "many");
        var fids = new uint[files];
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < files; i++) fids[i] = c.Walk(d, $"f{i}");
        double w = sw.Elapsed.TotalMicroseconds / files;
        sw.Restart();
        for (int i = 0; i < files; i++) c.GetAttr(fids[i]);
        double g = sw.Elapsed.TotalMicroseconds / files;
        sw.Restart();
        for (int i = 0; i < files; i++) c.Clunk(fids[i]);
        return (w, g, sw.Elapsed.TotalMicroseconds / files);
    }
    var rt = RoundTrips();

    Console.WriteLine();
    Console.WriteLine($"{"figure",-44} {"native",12} {"gofer",12} {"gofer/native",13}");
    Console.WriteLine($"{$"sequential read of {sizeMiB} MiB (MB/s)",-44} {nSeq,12:F0} {gSeq,12:F0} {gSeq / nSeq,13:F2}");
    Console.WriteLine($"{"  same, through the donated host fd",-44} {nSeq,12:F0} {dSeq,12:F0} {dSeq / nSeq,13:F2}");
    Console.WriteLine($"{$"random 4 KiB reads x{randomReads} (us/read)",-44} {nRand,12:F2} {gRand,12:F2} {gRand / nRand,13:F1}");
    Console.WriteLine($"{"  same, through the donated host fd",-44} {nRand,12:F2} {dRand,12:F2} {dRand / nRand,13:F1}");
    Console.WriteLine($"{$"stat of {files} files (us/file)",-44} {nStat,12:F2} {gStat,12:F2} {gStat / nStat,13:F1}");
    Console.WriteLine($"{"  same, 4 threads on one client (us/file)",-44} {nStat,12:F2} {gStatPar,12:F2} {gStatPar / nStat,13:F1}");
    Console.WriteLine($"round trips alone (us): Twalk {rt.Walk:F1}, Tgetattr {rt.Getattr:F1}, Tclunk {rt.Clunk:F1}");
    Console.WriteLine();
    Console.WriteLine("9P stat = Twalk + Tgetattr + Tclunk (3 round trips); reads are warm page cache on both sides.");
    return 0;
}
finally
{
    Directory.Delete(root, true);
}
