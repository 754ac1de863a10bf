export { errorMessage } from './message.ts';
