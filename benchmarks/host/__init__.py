"""`bluev bench host`: our programs and the baselines side by side on this machine."""
