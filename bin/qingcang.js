#!/usr/bin/env node
// qingcang runs its TypeScript sources directly (Node ≥ 22.12 strips the types). The package pins Node 24.
import { main } from '../src/cli/main.ts';

await main();
