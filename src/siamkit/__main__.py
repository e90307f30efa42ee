from siamkit.cli import main

main()
