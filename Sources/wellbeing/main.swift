import WellBeingCLI

WellBeingCommand.main()
