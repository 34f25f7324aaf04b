global using Task = Sandbox.Sentry.Kernel.Task;
global using FileMode = Sandbox.Linux.Abi.FileMode;
