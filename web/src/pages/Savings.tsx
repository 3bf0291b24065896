export default function Savings() {
  return <h1>Savings</h1>;
}
