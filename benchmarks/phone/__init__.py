"""`bluev bench adb`: the artifacts on phones over USB, through the real adb client."""
