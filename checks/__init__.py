"""`hookflow check`: what is wrong with a deployment, found before GitHub's deliveries find it."""
