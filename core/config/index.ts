export { integer, onOff, type Vars } from "./vars";
