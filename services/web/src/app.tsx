import { strings } from './strings';

export function App() {
  return <h1>{strings.appName}</h1>;
}
