using Xunit;

namespace Sandbox.P9.Tests;

/// <summary>One Gofer over a small tree, shared by the tests of a collection.</summary>
public sealed class GoferFixture : IDisposable
{
    public TempTree Tree { get; } = new();
    private LiveGofer? _gofer;

    public GoferFixture()
    {
        Tree.File("d/f", "hello").File("big", new string('x', 300_000)).Dir("empty")
            .Symlink("abs", "/etc/passwd").Symlink("sd", "/etc").Symlink("rel", "../../../../../../etc");
    }

    public LiveGofer Gofer => _gofer ??= new LiveGofer(Tree.Path);

    public void Dispose()
    {
        _gofer?.Dispose();
        Tree.Dispose();
    }
}

[CollectionDefinition("gofer")]
public sealed class GoferCollection : ICollectionFixture<GoferFixture>;
