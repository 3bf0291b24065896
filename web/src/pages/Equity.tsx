export default function Equity() {
  return <h1>Equity</h1>;
}
