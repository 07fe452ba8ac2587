"""SMG money to the boroughs: grant programmes (공모사업) boroughs apply to, and the integrated (block) grant
whose use follows the borough's adopted plan items; the report of how much SMG money went which way."""
