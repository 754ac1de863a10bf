export { CliError, ExitCode } from './exit.ts';
export { main, program } from './main.ts';
