return Sandbox.Gofer.GoferMain.Run(args, []);
