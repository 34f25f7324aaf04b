// The direct-KVM VMM as an executable of its own: `sandbox-vmm --kernel .. --agent-socket ..`
// takes what `sandbox microvm vmm` takes (Sandbox.MicroVm.Kvm.VmmServer).
return Sandbox.MicroVm.Kvm.VmmServer.Run(args);
